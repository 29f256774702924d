package main

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashPassword(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"line", "s3cret\n", ""},
		{"no newline", "s3cret", ""},
		{"crlf", "s3cret\r\n", ""},
		{"empty", "\n", "empty password"},
		{"nothing", "", "empty password"},
		{"too long", strings.Repeat("x", 73) + "\n", "72 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := hashPassword(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || bcrypt.CompareHashAndPassword([]byte(h), []byte("s3cret")) != nil {
				t.Fatalf("hash %q: %v", h, err)
			}
		})
	}
}

func TestHashPasswordCommand(t *testing.T) {
	var out, errs bytes.Buffer
	app := newApp(&out, &errs)
	app.Reader = strings.NewReader("admin\n")
	if err := app.Run([]string{"bcservice", "hash-password"}); err != nil {
		t.Fatal(err)
	}
	h := strings.TrimSpace(out.String())
	if bcrypt.CompareHashAndPassword([]byte(h), []byte("admin")) != nil || strings.Contains(errs.String(), "admin") {
		t.Fatalf("output %q, errors %q", h, errs.String())
	}
	app = newApp(&out, &errs)
	app.Reader = strings.NewReader("")
	if err := app.Run([]string{"bcservice", "hash-password"}); err == nil {
		t.Fatal("empty password accepted")
	}
}
