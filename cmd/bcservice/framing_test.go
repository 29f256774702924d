package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestFramer: the framer finds every request of a stream, however its bodies
// are framed, and refuses exactly those with ambiguous framing; it gives the
// same verdicts whether the stream arrives at once or a byte at a time.
func TestFramer(t *testing.T) {
	const get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name     string
		stream   string
		verdicts []string // one per request, "" = served
		lost     bool     // the framer stops following (the connection closes)
	}{
		{name: "two requests", stream: get + get, verdicts: []string{"", ""}},
		{name: "Content-Length body that looks like headers", stream: "POST /a HTTP/1.1\r\nContent-Length: 40\r\n\r\n" +
			"Transfer-Encoding: chunked\r\nX: y\r\n\r\n\r\n" + get, verdicts: []string{"", ""}},
		{name: "chunked body with an extension and a trailer", stream: "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"5;name=v\r\nhello\r\n1A\r\n" + strings.Repeat("z", 26) + "\r\n0\r\nX-Sum: 1\r\n\r\n" + get, verdicts: []string{"", ""}},
		{name: "chunk data that looks like a request", stream: "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"17\r\n\r\n\r\nGET /x HTTP/1.1\r\n\r\n\r\n0\r\n\r\n" + get, verdicts: []string{"", ""}},
		{name: "Content-Length and Transfer-Encoding", stream: "POST /a HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" +
			"0\r\n\r\n" + get, verdicts: []string{whyCLandTE}, lost: true},
		{name: "the other order, any case", stream: "POST /a HTTP/1.1\r\ntransfer-ENCODING: chunked\r\nCONTENT-length: 5\r\n\r\n0\r\n\r\n" + get,
			verdicts: []string{whyCLandTE}, lost: true},
		{name: "second request smuggles", stream: get + "POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			verdicts: []string{"", whyCLandTE}, lost: true},
		{name: "Transfer-Encoding on HTTP/1.0", stream: "POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
			verdicts: []string{whyTE10}, lost: true},
		{name: "HTTP/1.0 body by Content-Length", stream: "POST /a HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc" + get, verdicts: []string{"", ""}},
		{name: "folded Content-Length value", stream: "POST /a HTTP/1.1\r\nContent-Length:\r\n  5\r\n\r\nhello" + get, verdicts: []string{"", ""}},
		{name: "a field folded into another is not a header", stream: "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nX: a\r\n Content-Length: 5\r\n\r\n0\r\n\r\n" + get,
			verdicts: []string{"", ""}},
		{name: "bare LF line ends", stream: "POST /a HTTP/1.1\nContent-Length: 2\n\nok" + "GET / HTTP/1.1\n\n", verdicts: []string{"", ""}},
		{name: "blank lines after a POST body", stream: "POST /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nok\r\n" + get, verdicts: []string{"", ""}},
		{name: "a repeated Content-Length of one value", stream: "POST /a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok" + get,
			verdicts: []string{"", ""}},
		{name: "Content-Lengths that differ", stream: "POST /a HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok" + get,
			verdicts: []string{""}, lost: true},
		{name: "a length that is not a number", stream: "POST /a HTTP/1.1\r\nContent-Length: 1 2\r\n\r\nok" + get, verdicts: []string{""}, lost: true},
		{name: "a chunk size that is not hex", stream: "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + get, verdicts: []string{""}, lost: true},
		{name: "a long URL", stream: "GET /" + strings.Repeat("a", 5000) + " HTTP/1.1\r\n\r\n" + get, verdicts: []string{"", ""}},
		{name: "a long header name", stream: "GET / HTTP/1.1\r\n" + strings.Repeat("X", 100) + "-Content-Length: 5\r\n\r\n" + get, verdicts: []string{"", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, split := range []bool{false, true} {
				var f framer
				if split {
					for i := range len(tt.stream) {
						f.scan([]byte{tt.stream[i]})
					}
				} else {
					f.scan([]byte(tt.stream))
				}
				if !slices.Equal(f.verdicts, tt.verdicts) || (f.st == stLost) != tt.lost {
					t.Errorf("byte by byte %v: verdicts %q lost %v, want %q lost %v", split, f.verdicts, f.st == stLost, tt.verdicts, tt.lost)
				}
			}
		})
	}
}

// TestFramerVerdictsInOrder: a handler takes the verdicts in request order;
// with none left the framer lost the stream and the request is refused.
func TestFramerVerdictsInOrder(t *testing.T) {
	var f framer
	f.scan([]byte("GET / HTTP/1.1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"))
	for _, want := range []string{"", whyCLandTE, whyNotFollow} {
		if got := f.next(); got != want {
			t.Errorf("next() = %q, want %q", got, want)
		}
	}
}

func TestAtLeastHTTP11(t *testing.T) {
	for proto, want := range map[string]bool{"HTTP/1.1": true, "HTTP/1.2": true, "HTTP/2.0": true, "HTTP/1.0": false,
		"HTTP/0.9": false, "http/1.1": false, "HTTP/1.10": false, "": false} {
		if got := atLeastHTTP11(proto); got != want {
			t.Errorf("atLeastHTTP11(%q) = %v, want %v", proto, got, want)
		}
	}
}

// BenchmarkFramer: the framer's cost per request of a typical API login
// (headers and a form body), which every request on both listeners pays.
func BenchmarkFramer(b *testing.B) {
	body := "xml=" + strings.Repeat("x", 200)
	req := []byte("POST /api/login/SEP1CE6C79BAF1F/ALMUSER01 HTTP/1.1\r\nHost: bc.example.com:8443\r\n" +
		"User-Agent: legacy-client/1.0\r\nAccept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	b.SetBytes(int64(len(req)))
	var f framer
	for b.Loop() {
		f.scan(req)
		f.next()
	}
}
