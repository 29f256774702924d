package dashboard

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

const liveScript = `<script src="/static/live.js" defer></script>`

// liveAttrs reads the data attributes of the live region, unescaped.
func liveAttrs(t *testing.T, body string) map[string]string {
	t.Helper()
	m := regexp.MustCompile(`<div id="live-history" data-query="([^"]*)" data-newest-time="([^"]*)" data-newest-ids="([^"]*)">`).
		FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	return map[string]string{"query": html.UnescapeString(m[1]), "time": html.UnescapeString(m[2]), "ids": html.UnescapeString(m[3])}
}

func TestHistoryPageLive(t *testing.T) {
	f := newFixture(t)
	probe := `<b>"x&`
	rows := []history.Record{historytest.Row(1), historytest.Row(2), historytest.Row(2), historytest.Row(0)}
	rows[1].ID, rows[2].ID = "req-a", probe // two rows of the newest millisecond
	rows[2].User = probe
	if err := f.store.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	newest := toRow(rows[1]).Time
	first, err := f.store.Query(context.Background(), history.Query{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		query string
		want  map[string]string // nil: no live region, no script
	}{
		{"first page", "", map[string]string{"query": "", "time": newest, "ids": `["<b>\"x&","req-a"]`}},
		{"filtered", "user=" + url.QueryEscape(probe) + "&limit=5",
			map[string]string{"query": "limit=5&user=" + url.QueryEscape(probe), "time": newest, "ids": `["<b>\"x&"]`}},
		{"no rows", "device=nowhere", map[string]string{"query": "device=nowhere", "time": "", "ids": "[]"}},
		{"older page", "limit=2&cursor=" + first.Next, nil},
		{"bad filter", "code=abc", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/history?"+tt.query, nil)
			r.SetBasicAuth("desk", "deskpw")
			body := f.do(t, r).Body.String()
			got := liveAttrs(t, body)
			if tt.want == nil {
				if got != nil || strings.Contains(body, "live.js") {
					t.Errorf("live region %v on a page that does not poll", got)
				}
				return
			}
			if got == nil || got["query"] != tt.want["query"] || got["time"] != tt.want["time"] || !sameIDs(t, got["ids"], tt.want["ids"]) {
				t.Errorf("data attributes %q, want %q", got, tt.want)
			}
			if !strings.Contains(body, liveScript) || !strings.Contains(body, `role="status" aria-live="polite"`) {
				t.Errorf("no script or no live status region:\n%s", body)
			}
			if strings.Contains(body, probe) {
				t.Errorf("probe not escaped")
			}
		})
	}
}

// sameIDs compares two JSON arrays of ids as sets: rows of one
// millisecond come in the store's order.
func sameIDs(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y []string
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Errorf("ids %q: %v", a, err)
		return false
	}
	_ = json.Unmarshal([]byte(b), &y)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func TestLiveScriptServed(t *testing.T) {
	f := newFixture(t)
	w := f.do(t, httptest.NewRequest("GET", "/static/live.js", nil))
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/javascript") {
		t.Fatalf("live.js: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if csp := w.Header().Get("Content-Security-Policy"); csp != "default-src 'self'; frame-ancestors 'none'" {
		t.Errorf("CSP %q", csp)
	}
	// Values may hold markup: the script builds the DOM with textContent only.
	if body := w.Body.String(); strings.Contains(body, "innerHTML") || strings.Contains(body, "insertAdjacentHTML") ||
		!strings.Contains(body, "textContent") {
		t.Error("live.js builds HTML from strings")
	}
}
