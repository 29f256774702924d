package service

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestStorable(t *testing.T) {
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"clean and short", "SEP001122334455", 256, "SEP001122334455"},
		{"tab kept", "a\tb", 256, "a\tb"},
		{"invalid byte", "a\xffb", 256, "a\uFFFDb"},
		{"NUL", "a\x00b", 256, "a\uFFFDb"},
		{"CR LF ESC DEL", "a\r\n\x1b\x7fb", 256, "a\uFFFD\uFFFD\uFFFD\uFFFDb"},
		{"C1 control", "a\u0085b", 256, "a\uFFFDb"},
		{"cut with mark", strings.Repeat("x", 100), 20, "xxxxx…[+95 bytes]"},
		{"cut at a rune boundary", strings.Repeat("é", 20), 20, "ééé…[+34 bytes]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Storable(tt.in, tt.limit)
			if got != tt.want {
				t.Fatalf("Storable(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
			if again := Storable(got, tt.limit); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func FuzzStorable(f *testing.F) {
	f.Add("SEP\xff\x00", 10)
	f.Add(strings.Repeat("é", 300), 256)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		limit = 32 + abs(limit)%4096
		got := Storable(s, limit)
		if !utf8.ValidString(got) || strings.ContainsRune(got, 0) {
			t.Fatalf("not storable: %q", got)
		}
		if len(got) > limit {
			t.Fatalf("len %d over the limit %d", len(got), limit)
		}
		if Storable(got, limit) != got {
			t.Fatalf("not idempotent: %q", got)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func TestEventStorable(t *testing.T) {
	start := time.Now()
	x := NewExchange("id", "127.0.0.1", "127.0.0.1:1", "POST", start)
	x.Answered(Result{Op: OpLogin, Device: strings.Repeat("D", 5000), User: "u\xff\x00", Text: "t"}, 200)
	e, ok := x.Event(start)
	if !ok {
		t.Fatal("no event")
	}
	if len(e.Device) > MaxNameBytes || e.User != "u\uFFFD\uFFFD" {
		t.Fatalf("device %d bytes, user %q", len(e.Device), e.User)
	}
}
