// Package skipreport lets a test that skips for want of a real part
// (PostgreSQL, Chromium, HAProxy) say so where `make test` can show it: a
// skipped suite otherwise leaves the run ending in "ok" with nothing on
// screen about what was not tested (features/README.md, "What make test
// did not test").
package skipreport

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// EnvVar names the file Note appends to; the Makefile sets it, and prints
// the file's summary after go test. Unset or empty, Note does nothing.
const EnvVar = "SKIP_REPORT"

// Note appends the line "group<TAB>reason" to the report file. group names
// what skipped (a package, a Describe); a line is counted once per skipped
// test or spec. Errors are ignored: the report must never fail a test.
func Note(group, reason string) {
	path := os.Getenv(EnvVar)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	// One write of one short line: appends from parallel test processes do
	// not interleave.
	_, _ = fmt.Fprintf(f, "%s\t%s\n", oneLine(group), oneLine(reason))
}

// Package is the module-relative directory of the running test binary's
// package (go test runs it there), e.g. "service/postgres".
func Package() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if rel, err := filepath.Rel(dir, wd); err == nil {
				return filepath.ToSlash(rel)
			}
			return wd
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

// oneLine keeps a field on its line and out of the other field.
func oneLine(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(strings.TrimSpace(s))
}
