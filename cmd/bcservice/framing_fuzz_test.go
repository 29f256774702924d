package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"slices"
	"testing"
)

// FuzzFramer: the framer never panics, reads a stream the same way however
// it is cut, and never loses its place before net/http does: every request
// that net/http reads from the stream, up to the first the framer refuses,
// has its verdict (a lost framer would refuse well-framed requests).
func FuzzFramer(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("POST /a HTTP/1.1\r\nContent-Length:\r\n 2\r\n\r\nabGET / HTTP/1.1\r\n\r\n"))
	f.Add([]byte("POST /a HTTP/1.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var whole, bytewise framer
		whole.scan(data)
		for i := range data {
			bytewise.scan(data[i : i+1])
		}
		if !slices.Equal(whole.verdicts, bytewise.verdicts) || whole.st != bytewise.st {
			t.Fatalf("whole: %q %v; byte by byte: %q %v", whole.verdicts, whole.st, bytewise.verdicts, bytewise.st)
		}
		r := bufio.NewReader(bytes.NewReader(data))
		for k := 0; ; k++ {
			req, err := http.ReadRequest(r)
			if err != nil {
				return
			}
			if k >= len(whole.verdicts) {
				t.Fatalf("net/http read request %d (%s %s), the framer has %d verdicts", k+1, req.Method, req.URL, len(whole.verdicts))
			}
			if whole.verdicts[k] != "" {
				return // refused: the connection closes here
			}
			if _, err := io.Copy(io.Discard, req.Body); err != nil {
				return
			}
		}
	})
}
