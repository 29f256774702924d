package main

import "testing"

func TestBuildInfoShort(t *testing.T) {
	tests := []struct {
		name string
		b    buildInfo
		want string
	}{
		{"a release", buildInfo{Module: "v1.5.0", Revision: "0123456789abcdef", HasRevision: true}, "v1.5.0"},
		{"a work tree", buildInfo{Module: "(devel)", Revision: "0123456789abcdef", HasRevision: true}, "0123456789ab"},
		{"a modified work tree", buildInfo{Module: "(devel)", Revision: "0123456789abcdef", HasRevision: true, Modified: true}, "0123456789ab-dirty"},
		{"a work tree's pseudo-version (Go 1.24+)", buildInfo{Module: "v0.0.0-20261206061131-0123456789ab+dirty",
			Revision: "0123456789abcdef", HasRevision: true, Modified: true}, "0123456789ab-dirty"},
		{"no VCS stamp", buildInfo{Module: "(devel)"}, "dev"},
		{"no build info", buildInfo{Module: "unknown"}, "dev"},
	}
	for _, tc := range tests {
		if got := tc.b.Short(); got != tc.want {
			t.Errorf("%s: Short() = %q, want %q", tc.name, got, tc.want)
		}
	}
	full := buildInfo{Module: "(devel)", Revision: "0123456789abcdef", Time: "2026-12-06T05:00:00Z", HasRevision: true, GoVersion: "go1.26.8"}
	if got, want := full.String(), "0123456789ab (revision 0123456789abcdef, 2026-12-06T05:00:00Z), go1.26.8"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}
