package dashboard

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzParseFilter: a dashboard filter (query string of /history, /api/history and the CSV)
// never panics; a refusal names the parameter it is about; an accepted filter clamps the
// limit and survives the round trip through the links the pages build (same query).
func FuzzParseFilter(f *testing.F) {
	for _, seed := range []string{
		"", "device=SEP1&user=U1&cluster=EU&op=login&code=0&outcome=success",
		"from=2026-01-31T08:00&to=2026-02-01&limit=5000", "limit=-3", "code=-1", "op=nope",
		"outcome=%3Cb%3E", "device=' OR 1=1 --", "cursor=abc", "from=yesterday",
	} {
		f.Add(seed)
	}
	params := []string{"device", "user", "cluster", "op", "code", "outcome", "from", "to", "limit", "cursor"}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		fl, err := parseFilter(v)
		if err != nil {
			name, _, _ := strings.Cut(err.Error(), ":")
			for _, p := range params {
				if name == p {
					return
				}
			}
			t.Fatalf("refusal %q names no parameter", err)
		}
		if fl.Limit != "" && (fl.q.Limit < 1 || fl.q.Limit > 1000) {
			t.Fatalf("limit %q kept as %d", fl.Limit, fl.q.Limit)
		}
		again, err := url.ParseQuery(strings.TrimPrefix(fl.link("", fl.Cursor), "?"))
		if err != nil {
			t.Fatalf("link %q: %v", fl.link("", fl.Cursor), err)
		}
		back, err := parseFilter(again)
		if err != nil {
			t.Fatalf("the link of %q is refused: %v", raw, err)
		}
		if back.q != fl.q {
			t.Fatalf("round trip changed the query: %+v, want %+v", back.q, fl.q)
		}
	})
}
