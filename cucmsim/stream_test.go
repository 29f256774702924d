package cucmsim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStreamFilterMatches(t *testing.T) {
	zero, one := 0, 1
	ev := StreamEvent{Cluster: "EU", RequestEntry: RequestEntry{Operation: "deviceUserQuery", Device: "SEP1,SEP2", Code: &zero}}
	noCode := StreamEvent{Cluster: "EU", RequestEntry: RequestEntry{Operation: "login", Device: "SEP1"}}
	tests := []struct {
		name   string
		filter StreamFilter
		ev     StreamEvent
		want   bool
	}{
		{"empty filter matches all", StreamFilter{}, ev, true},
		{"cluster", StreamFilter{Clusters: []string{"EU"}}, ev, true},
		{"other cluster", StreamFilter{Clusters: []string{"US"}}, ev, false},
		{"any of the clusters", StreamFilter{Clusters: []string{"US", "EU"}}, ev, true},
		{"operation", StreamFilter{Operations: []string{"deviceUserQuery"}}, ev, true},
		{"other operation", StreamFilter{Operations: []string{"login"}}, ev, false},
		{"any device a query names, any case", StreamFilter{Devices: []string{"sep2"}}, ev, true},
		{"device not named", StreamFilter{Devices: []string{"SEP3"}}, ev, false},
		{"code", StreamFilter{Codes: []int{1, 0}}, ev, true},
		{"other code", StreamFilter{Codes: []int{1}}, ev, false},
		{"no EM code never matches a code", StreamFilter{Codes: []int{0}}, noCode, false},
		{"keys combine with AND", StreamFilter{Clusters: []string{"EU"}, Codes: []int{one}}, ev, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.filter.matches(&tt.ev); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestParseStreamFilter(t *testing.T) {
	sim, err := New(loadDemo(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		query    string
		want     StreamFilter
		problems []string
	}{
		{"", StreamFilter{}, nil},
		{"cluster=eu&cluster=US&operation=login&device=SEP1&code=0&code=23",
			StreamFilter{Clusters: []string{"EU", "US"}, Operations: []string{"login"}, Devices: []string{"SEP1"}, Codes: []int{0, 23}}, nil},
		{"cluster=XX&operation=nope&device=&code=x&code=-1&foo=1", StreamFilter{}, []string{
			`cluster: unknown cluster "XX"`, `code: want an EM code 0..9999, got "x"`, `code: want an EM code 0..9999, got "-1"`,
			`device: empty`, `unknown query parameter "foo" (want cluster, operation, device, code)`, `operation: unknown operation "nope"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := parseQuery(tt.query)
			got, problems := sim.parseStreamFilter(q)
			if !slices.Equal(problems, tt.problems) {
				t.Errorf("problems = %q, want %q", problems, tt.problems)
			}
			if tt.problems == nil && !equalFilters(got, tt.want) {
				t.Errorf("filter = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func equalFilters(a, b StreamFilter) bool {
	return slices.Equal(a.Clusters, b.Clusters) && slices.Equal(a.Operations, b.Operations) &&
		slices.Equal(a.Devices, b.Devices) && slices.Equal(a.Codes, b.Codes)
}

func parseQuery(q string) (map[string][]string, error) {
	req := httptest.NewRequest(http.MethodGet, "/?"+q, nil)
	return req.URL.Query(), nil
}

func TestBrokerDropsForAFullSubscriberOnly(t *testing.T) {
	var b broker
	slow := b.subscribe(StreamFilter{})
	other := b.subscribe(StreamFilter{Clusters: []string{"US"}})
	if b.subscribers() != 2 {
		t.Fatalf("subscribers = %d, want 2", b.subscribers())
	}
	for i := range StreamBuffer + 5 {
		b.publish("EU", &RequestEntry{Seq: int64(i + 1)})
	}
	if got := slow.dropped.Load(); got != 5 {
		t.Errorf("dropped = %d, want 5", got)
	}
	if len(slow.events) != StreamBuffer || len(other.events) != 0 || other.dropped.Load() != 0 {
		t.Errorf("queued %d/%d, other dropped %d", len(slow.events), len(other.events), other.dropped.Load())
	}
	b.unsubscribe(slow)
	b.unsubscribe(other)
	if b.subscribers() != 0 || len(b.subs) != 0 {
		t.Errorf("subscribers left: %d", b.subscribers())
	}
}

// TestPublishWithoutSubscribersIsFree pins what keeps the EM handlers' benchmarks flat when
// nobody watches: no allocation, no lock.
func TestPublishWithoutSubscribersIsFree(t *testing.T) {
	var b broker
	e := &RequestEntry{Seq: 1, Operation: "login"}
	if n := testing.AllocsPerRun(100, func() { b.publish("EU", e) }); n != 0 {
		t.Errorf("publish allocates %v times per call without subscribers", n)
	}
}

func TestWriteEventAnnouncesDropsFirst(t *testing.T) {
	sub := &subscriber{}
	sub.dropped.Store(3)
	var buf bytes.Buffer
	if err := writeEvent(&buf, sub, &StreamEvent{Cluster: "EU", RequestEntry: RequestEntry{Seq: 7}}); err != nil {
		t.Fatal(err)
	}
	want := "event: dropped\ndata: {\"dropped\":3}\n\ndata: {\"cluster\":\"EU\",\"seq\":7,"
	if !strings.HasPrefix(buf.String(), want) {
		t.Errorf("got %q, want prefix %q", buf.String(), want)
	}
	buf.Reset()
	_ = writeHeartbeat(&buf, sub)
	if buf.String() != ": heartbeat\n\n" {
		t.Errorf("heartbeat after the announcement = %q", buf.String())
	}
}

// sseReader reads the data lines of a server-sent event stream.
type sseReader struct {
	body io.ReadCloser
	sc   *bufio.Scanner
}

func openStream(t *testing.T, url string) *sseReader {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return &sseReader{body: resp.Body, sc: bufio.NewScanner(resp.Body)}
}

// next returns the next line that starts with prefix, skipping the others.
func (r *sseReader) next(t *testing.T, prefix string) string {
	t.Helper()
	for r.sc.Scan() {
		if line := r.sc.Text(); strings.HasPrefix(line, prefix) {
			return strings.TrimPrefix(line, prefix)
		}
	}
	t.Fatalf("stream ended before a %q line: %v", prefix, r.sc.Err())
	return ""
}

func TestStreamOverHTTP(t *testing.T) {
	h := newHarness(t)
	stream := openStream(t, h.admin+"/v1/requests/stream?device=SEP1CE6C79BAF1F&operation=login")
	var stats streamStatsJSON
	h.call(t, "GET", "/v1/requests/stream/stats", nil, &stats)
	if stats.Subscribers != 1 {
		t.Errorf("subscribers = %d, want 1", stats.Subscribers)
	}
	h.em(t, "EU/eu-pub", logoutXML("SEP1CE6C79BAF1F"))            // filtered out: logout
	h.em(t, "EU/eu-pub", loginXML("SEP001120F678E2", "EUUSER02")) // filtered out: device
	h.em(t, "EU/eu-pub", loginXML("SEP1CE6C79BAF1F", "ALMUSER01"))
	data := stream.next(t, "data: ")
	if strings.Contains(data, "s3cret") {
		t.Errorf("the certificate reached the stream: %s", data)
	}
	var ev StreamEvent
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Cluster != "EU" || ev.Node != "eu-pub" || ev.Operation != "login" || ev.Device != "SEP1CE6C79BAF1F" ||
		ev.User != "ALMUSER01" || ev.Code == nil || *ev.Code != 0 || !strings.Contains(ev.XML, "<appCertificate>***</appCertificate>") {
		t.Errorf("event = %+v", ev)
	}
	stream.body.Close()
	waitFor(t, "the subscription to go", func() bool { return h.sim.stream.subscribers() == 0 })
}

func TestStreamRefusesABadFilter(t *testing.T) {
	h := newHarness(t)
	var body problemsJSON
	if code := h.call(t, "GET", "/v1/requests/stream?cluster=XX&colour=red", nil, &body); code != http.StatusBadRequest {
		t.Fatalf("status = %d", code)
	}
	if len(body.Problems) != 2 || h.sim.stream.subscribers() != 0 {
		t.Errorf("problems = %q, subscribers %d", body.Problems, h.sim.stream.subscribers())
	}
}

func TestStreamHeartbeatAndShutdown(t *testing.T) {
	sim, err := New(loadDemo(t), Options{EphemeralPorts: true, StreamHeartbeat: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	stream := openStream(t, "http://"+sim.Addrs().Admin+"/v1/requests/stream")
	defer stream.body.Close()
	if got := stream.next(t, ": "); got != "heartbeat" && got != "cucmsim request stream" {
		t.Errorf("comment = %q", got)
	}
	stream.next(t, ": heartbeat")
	// An open stream must not hold a graceful shutdown until its deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := sim.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown with an open stream: %v", err)
	}
	if sim.stream.subscribers() != 0 {
		t.Errorf("subscribers after shutdown = %d", sim.stream.subscribers())
	}
}
