package service

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Caps on a client's value wherever it is logged or stored (cmd/bcservice/README.md,
// "Security"): a name (device, user, cluster, app ID, request ID, client,
// actor, node) keeps MaxNameBytes, a text MaxTextBytes. A path segment over
// its documented limit is refused (1008, 1009) but still recorded: capped,
// so that 2000 such requests cannot grow the history or the log by
// hundreds of megabytes.
const (
	MaxNameBytes = 256
	MaxTextBytes = 2048
)

// Storable returns s as every log line and every history row may hold it:
// invalid UTF-8 replaced by U+FFFD, NUL and the other control characters
// (but tab) replaced by U+FFFD, and cut to at most limit bytes at a rune
// boundary with a visible mark ("…[+N bytes]") counting what was cut.
// PostgreSQL refuses invalid UTF-8 and NUL in text; a log reader is
// misled by a raw CR or ESC. limit must leave room for the mark (at
// least 32); Storable(Storable(s, n), n) == Storable(s, n).
func Storable(s string, limit int) string {
	if len(s) <= limit && clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(min(len(s), limit))
	for _, r := range s { // an invalid byte arrives as utf8.RuneError
		if unstorable(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	out := b.String()
	if len(out) <= limit {
		return out
	}
	// The mark counts the bytes of out that are cut; its own length
	// depends on that count, so size it for the largest count.
	mark := func(n int) string { return "…[+" + strconv.Itoa(n) + " bytes]" }
	keep := max(limit-len(mark(len(out))), 0)
	for keep > 0 && !utf8.RuneStart(out[keep]) {
		keep--
	}
	return out[:keep] + mark(len(out)-keep)
}

// clean reports whether s is valid UTF-8 without control characters but
// tab, the common case, without allocating.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return cleanSlow(s[i:])
		}
		if c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

func cleanSlow(s string) bool {
	for _, r := range s {
		if unstorable(r) {
			return false
		}
	}
	return true
}

// unstorable reports whether Storable replaces r: a control character but
// tab, or an invalid byte (which ranging over a string reads as RuneError).
func unstorable(r rune) bool {
	return r != '\t' && (unicode.IsControl(r) || r == utf8.RuneError)
}

// Storable returns e with every value that came from a client made
// storable (Storable): names to MaxNameBytes, the text to MaxTextBytes.
// Every consumer sees the Event this way (Exchange.Event). The lists are
// copied, never written in place: e's caller keeps its own.
func (e Event) Storable() Event {
	e.Nodes, e.Fields, e.Devices = slices.Clone(e.Nodes), slices.Clone(e.Fields), slices.Clone(e.Devices)
	for _, p := range []*string{&e.ID, &e.Client, &e.Peer, &e.Method, &e.AppID, &e.Actor,
		&e.Device, &e.User, &e.Cluster} {
		*p = Storable(*p, MaxNameBytes)
	}
	e.Op = Op(Storable(string(e.Op), MaxNameBytes))
	e.Text = Storable(e.Text, MaxTextBytes)
	for i, n := range e.Nodes {
		e.Nodes[i] = Storable(n, MaxNameBytes)
	}
	for i, f := range e.Fields {
		e.Fields[i] = Field{Name: Storable(f.Name, MaxNameBytes), Value: Storable(f.Value, MaxTextBytes)}
	}
	for i, d := range e.Devices {
		e.Devices[i] = DeviceResult{Device: Storable(d.Device, MaxNameBytes), Cluster: Storable(d.Cluster, MaxNameBytes),
			Code: d.Code, Text: Storable(d.Text, MaxTextBytes)}
	}
	return e
}
