package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// buildInfo is what the build recorded of this binary (runtime/debug):
// the module version (a tag, or "(devel)" for a build from a work tree) and
// the VCS stamp go build adds by default inside a git checkout (-buildvcs).
type buildInfo struct {
	Module, GoVersion     string
	Revision, Time        string
	Modified, HasRevision bool
}

// readBuildInfo reads the binary's build information; a binary built
// without module support reports "unknown".
func readBuildInfo() buildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return buildInfo{Module: "unknown"}
	}
	b := buildInfo{Module: bi.Main.Version, GoVersion: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision, b.HasRevision = s.Value, true
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// Short is the build as X-BC-Build, bcservice_build_info and the status
// page show it: the module version when it is a release, else the first
// 12 characters of the revision (with "-dirty" for a modified work tree),
// else "dev".
func (b buildInfo) Short() string {
	switch {
	case b.release():
		return b.Module
	case b.HasRevision:
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Modified {
			rev += "-dirty"
		}
		return rev
	}
	return "dev"
}

// release reports whether the module version is a release: not "(devel)"
// and not the pseudo-version (v0.0.0-TIME-REVISION[+dirty]) that go build
// records for a work tree since Go 1.24.
func (b buildInfo) release() bool {
	switch {
	case b.Module == "" || b.Module == "(devel)" || b.Module == "unknown":
		return false
	case b.HasRevision && len(b.Revision) >= 12 && strings.Contains(b.Module, b.Revision[:12]):
		return false
	}
	return true
}

// String is the whole of it, for bcservice --version.
func (b buildInfo) String() string {
	s := b.Short()
	if b.HasRevision {
		s += fmt.Sprintf(" (revision %s", b.Revision)
		if b.Time != "" {
			s += ", " + b.Time
		}
		if b.Modified {
			s += ", modified"
		}
		s += ")"
	}
	if b.GoVersion != "" {
		s += ", " + b.GoVersion
	}
	return s
}
