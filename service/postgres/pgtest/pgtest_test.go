package pgtest

import (
	"errors"
	"testing"

	"github.com/emconnector/emconnector/service/skipreport"
)

// recorder is a testing.TB that records how the test would have ended.
type recorder struct {
	testing.TB
	ended string
}

func (r *recorder) Helper()               {}
func (r *recorder) Fatalf(string, ...any) { r.ended = "fail" }
func (r *recorder) Skipf(string, ...any)  { r.ended = "skip" }

// In CI a missing server fails the suite: it must never pass silently.
func TestRequire(t *testing.T) {
	tests := []struct {
		name, ci string
		err      error
		want     string
	}{
		{"started", "true", nil, ""},
		{"no binaries in CI", "true", ErrNoServer, "fail"},
		{"no binaries elsewhere", "", ErrNoServer, "skip"},
		{"broken server elsewhere", "", errors.New("initdb failed"), "fail"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			t.Setenv(skipreport.EnvVar, "") // a simulated skip is not one of make test's
			r := &recorder{TB: t}
			got := Require(r, &Server{}, tc.err)
			if r.ended != tc.want || (tc.want == "") != (got != nil) {
				t.Errorf("ended %q (server %v), want %q", r.ended, got, tc.want)
			}
		})
	}
}
