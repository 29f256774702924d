package cucmsim

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultRequestLogSize is how many requests a cluster's log keeps (oldest dropped first), so
// a long benchmark cannot grow the simulator without bound.
const DefaultRequestLogSize = 10000

// maxLoggedXML caps the XML kept per entry.
const maxLoggedXML = 4096

// RequestEntry is one request as GET /v1/clusters/{code}/requests shows it. It never holds a
// secret: appCertificate is replaced by ***, AXL bodies (PINs) are not kept at all.
type RequestEntry struct {
	Seq       int64     `json:"seq"`
	Time      time.Time `json:"time"`
	Node      string    `json:"node"`
	Method    string    `json:"method"`
	Operation string    `json:"operation,omitempty"`
	Device    string    `json:"device,omitempty"`
	User      string    `json:"user,omitempty"`
	AppID     string    `json:"appID,omitempty"`
	// Code is the EM code answered (0 = success); omitted when no EM answer was sent
	// (dropped, HTTP status fault, garbled body, 403, AXL).
	Code *int `json:"code,omitempty"`
	// Status is the HTTP status sent (0 when the connection was dropped).
	Status int    `json:"status"`
	Fault  string `json:"fault,omitempty"`
	XML    string `json:"xml,omitempty"`
}

// requestLog is a bounded, ordered log of a cluster's requests: a ring buffer, so recording a
// request costs the same whether the log is empty or full (the benchmark found the earlier
// shift-by-one copy of the whole log to be half of the simulator's CPU once it was full).
//
// Its mutex is its own, not the cluster's: recording never waits for the EM rules and the
// rules never wait for the log. The entry is built (XML redacted, names joined) before add.
type requestLog struct {
	mu   sync.Mutex
	size int
	seq  int64
	// entries grows by append up to size (a small test allocates little), then is reused in
	// place: entries[head] is the oldest entry once the log is full.
	entries []RequestEntry
	head    int
}

// arrive numbers a request when it arrives. The entry is recorded only when its answer is
// known, but list orders by this number: a dropped request whose handler finishes after the
// client already asked another node still comes first, as it did on the wire.
func (l *requestLog) arrive() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return l.seq
}

// add records e, overwriting the oldest recorded entry when full. An entry without an
// arrival number (Seq 0) gets the next one.
func (l *requestLog) add(e RequestEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Seq == 0 {
		l.seq++
		e.Seq = l.seq
	}
	if len(l.entries) < l.size {
		l.entries = append(l.entries, e)
		return
	}
	l.entries[l.head] = e
	l.head++
	if l.head == len(l.entries) {
		l.head = 0
	}
}

// list returns the kept entries in order of arrival (ascending seq), as a new slice ([] when
// empty).
func (l *requestLog) list() []RequestEntry {
	l.mu.Lock()
	out := make([]RequestEntry, 0, len(l.entries))
	out = append(out, l.entries[l.head:]...)
	out = append(out, l.entries[:l.head]...)
	l.mu.Unlock()
	// Recorded in order of completion, which differs from arrival only for requests that
	// overlapped; the stable sort is cheap on the nearly sorted slice.
	slices.SortStableFunc(out, func(a, b RequestEntry) int { return cmp.Compare(a.Seq, b.Seq) })
	return out
}

// clear empties the log and frees its storage; sequence numbers keep counting so a test can
// tell old from new.
func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries, l.head = nil, 0
}

// redactXML replaces the content of every appCertificate and appEncryptedCertificate element
// with ***, also in malformed documents (an unclosed element hides the rest), then caps the size.
func redactXML(doc string) string {
	var b strings.Builder
	rest := doc
	for {
		i, tag := firstTag(rest, "<appCertificate", "<appEncryptedCertificate")
		if i < 0 {
			b.WriteString(rest)
			break
		}
		gt := strings.IndexByte(rest[i:], '>')
		if gt < 0 {
			b.WriteString(rest[:i])
			b.WriteString(tag + "***")
			break
		}
		open := rest[:i+gt+1]
		b.WriteString(open)
		if strings.HasSuffix(open, "/>") {
			rest = rest[i+gt+1:]
			continue
		}
		b.WriteString("***")
		rest = rest[i+gt+1:]
		end := strings.Index(rest, "</"+tag[1:])
		if end < 0 {
			break
		}
		rest = rest[end:]
	}
	s := b.String()
	if len(s) > maxLoggedXML {
		s = s[:maxLoggedXML] + "…"
	}
	return s
}

// firstTag returns the index of the earliest of the tags in s and which one it was.
func firstTag(s string, tags ...string) (int, string) {
	best, which := -1, ""
	for _, t := range tags {
		if i := strings.Index(s, t); i >= 0 && (best < 0 || i < best) {
			best, which = i, t
		}
	}
	return best, which
}
