package skipreport

import (
	"os"
	"path/filepath"
	"testing"
)

func TestNote(t *testing.T) {
	tests := []struct {
		name          string
		group, reason string
		want          string
	}{
		{"plain", "service/postgres", "no initdb", "service/postgres\tno initdb\n"},
		{"tabs and line breaks stay in their field", "a\tb", "line one\nline two\r\n", "a b\tline one line two\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "skipped.txt")
			t.Setenv(EnvVar, path)
			Note(tc.group, tc.reason)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("report %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNoteAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "skipped.txt")
	t.Setenv(EnvVar, path)
	Note("g", "one")
	Note("g", "two")
	got, _ := os.ReadFile(path)
	if want := "g\tone\ng\ttwo\n"; string(got) != want {
		t.Errorf("report %q, want %q", got, want)
	}
}

func TestNoteWithoutReportDoesNothing(t *testing.T) {
	t.Setenv(EnvVar, "")
	dir := t.TempDir()
	t.Chdir(dir)
	Note("g", "r")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("wrote %v without %s", entries, EnvVar)
	}
}

func TestPackage(t *testing.T) {
	if got := Package(); got != "service/skipreport" {
		t.Errorf("Package() = %q, want service/skipreport", got)
	}
}
