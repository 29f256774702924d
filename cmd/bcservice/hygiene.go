package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The listeners' HTTP hygiene (cmd/bcservice/README.md, "HTTP hygiene"): a request whose
// framing is ambiguous gets 400 and its connection is closed, and under TLS
// every answer carries Strict-Transport-Security.
//
// net/http resolves Content-Length + Transfer-Encoding by deleting
// Content-Length before any handler runs (transfer.go, fixLength), so a
// handler alone cannot tell such a request from a plain chunked one. The
// check therefore sits on the connection: framedConn passes every byte the
// server reads through a framer, which records one verdict per request in
// order, and the handler wrapper takes the verdict of the request it serves.
// For that the framer must see plaintext, so a TLS listener terminates TLS
// in framedListener rather than in http.Server.ServeTLS; it offers HTTP/1.1
// only (HTTP/2 has no such ambiguity, but net/http speaks it only on the
// connections it terminates itself), and the wrapper gives each request the
// connection's TLS state, as ServeTLS would.

// hygienicServer is an http.Server whose connections pass through a
// framedListener; serve is its only way in, so no connection escapes the
// check.
type hygienicServer struct {
	srv              *http.Server
	tls              *tls.Config
	handshakeTimeout time.Duration
	log              *slog.Logger
}

// serve accepts on ln until the server is shut down.
func (s *hygienicServer) serve(ln net.Listener) error {
	return s.srv.Serve(&framedListener{raw: ln, tls: s.listenerTLS(), handshakeTimeout: s.handshakeTimeout, log: s.log})
}

// listenerTLS is the TLS configuration the listener terminates with: the
// service's, with HTTP/1.1 as the one application protocol.
func (s *hygienicServer) listenerTLS() *tls.Config {
	if s.tls == nil {
		return nil
	}
	tc := s.tls.Clone()
	tc.NextProtos = []string{"http/1.1"}
	return tc
}

func (s *hygienicServer) shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

func (s *hygienicServer) close() error { return s.srv.Close() }

// framedListener hands out framedConns, TLS-terminated when it has a
// configuration.
type framedListener struct {
	raw              net.Listener
	tls              *tls.Config // nil: plain HTTP
	handshakeTimeout time.Duration
	log              *slog.Logger
}

func (l *framedListener) Accept() (net.Conn, error) {
	c, err := l.raw.Accept()
	if err != nil {
		return nil, err
	}
	fc := &framedConn{Conn: c, log: l.log, handshakeTimeout: l.handshakeTimeout}
	if l.tls != nil {
		fc.tls = tls.Server(c, l.tls)
		fc.Conn = fc.tls
	}
	return fc, nil
}

func (l *framedListener) Close() error   { return l.raw.Close() }
func (l *framedListener) Addr() net.Addr { return l.raw.Addr() }

// framedConn is one connection whose reads pass through a framer.
type framedConn struct {
	net.Conn
	tls              *tls.Conn // nil on a plain listener
	handshakeTimeout time.Duration
	log              *slog.Logger
	handshook        bool

	// mu guards f: the server reads ahead in the background while a
	// handler takes a verdict.
	mu sync.Mutex
	f  framer
}

func (c *framedConn) Read(p []byte) (int, error) {
	if c.tls != nil && !c.handshook {
		if err := c.handshake(); err != nil {
			return 0, err
		}
	}
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.f.scan(p[:n])
	c.mu.Unlock()
	return n, err
}

// CloseWrite passes net/http's half-close on (it sends its last answer's
// FIN before closing, so that the client reads the answer rather than a
// reset caused by the bytes the server leaves unread).
func (c *framedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// handshake completes the TLS handshake on the first read, and logs a
// failure as net/http does, answering a client that spoke plain HTTP in
// plain HTTP. Its reads are bounded by the server's header deadline, set
// before that first read; its writes by handshakeTimeout (the server sets
// its own write deadline once it has read the request).
func (c *framedConn) handshake() error {
	c.handshook = true
	if c.handshakeTimeout > 0 {
		_ = c.tls.SetWriteDeadline(time.Now().Add(c.handshakeTimeout))
		defer c.tls.SetWriteDeadline(time.Time{})
	}
	err := c.tls.Handshake()
	if err == nil {
		return nil
	}
	reason := err.Error()
	var re tls.RecordHeaderError
	if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader) {
		_, _ = io.WriteString(re.Conn, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
		reason = "client sent an HTTP request to an HTTPS server"
	}
	c.log.Warn("http: TLS handshake error", "remote", c.RemoteAddr().String(), "err", reason)
	return err
}

// looksLikeHTTP is net/http's test of a misdirected plaintext request.
func looksLikeHTTP(hdr [5]byte) bool {
	switch string(hdr[:]) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// verdict takes the framing verdict of the next request served on c.
func (c *framedConn) verdict() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.f.next()
}

type framedConnKey struct{}

// withConn puts the connection in each request's context (http.Server's
// ConnContext), for the handler wrapper.
func withConn(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*framedConn); ok {
		return context.WithValue(ctx, framedConnKey{}, fc)
	}
	return ctx
}

// hygiene wraps h: it refuses a request with ambiguous framing (400, the
// connection closed, so that a request smuggled in its body is never
// read), and on a TLS connection it gives the request the connection's TLS
// state and adds Strict-Transport-Security when hsts is set.
func hygiene(h http.Handler, log *slog.Logger, hsts string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fc, _ := r.Context().Value(framedConnKey{}).(*framedConn)
		if fc == nil {
			// Not from a framedListener (hygienicServer.serve is the only
			// way in): refuse rather than serve unchecked.
			http.Error(w, "listener without framing check", http.StatusInternalServerError)
			return
		}
		if fc.tls != nil {
			state := fc.tls.ConnectionState()
			r2 := *r
			r2.TLS = &state
			r = &r2
			if hsts != "" {
				w.Header().Set("Strict-Transport-Security", hsts)
			}
		}
		if why := fc.verdict(); why != "" {
			log.Warn("request refused: ambiguous framing", "remote", r.RemoteAddr, "reason", why)
			w.Header().Set("Connection", "close")
			http.Error(w, "400 Bad Request: "+why, http.StatusBadRequest)
			return
		}
		if r.Method == http.MethodOptions && r.RequestURI == "*" {
			// net/http's own answer, which its server gives only when the
			// handler does not see the request (DisableGeneralOptionsHandler).
			w.Header().Set("Content-Length", "0")
			if r.ContentLength != 0 {
				_, _ = io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, 4<<10))
			}
			return
		}
		h.ServeHTTP(w, r)
	})
}

// hstsValue is the Strict-Transport-Security value for maxAge, "" for none.
func hstsValue(maxAge time.Duration) string {
	if maxAge <= 0 {
		return ""
	}
	return "max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
}

// handshakeTimeout is net/http's bound on a TLS handshake: the shortest of
// the server's positive read and write timeouts.
func handshakeTimeout(srv *http.Server) time.Duration {
	var d time.Duration
	for _, t := range []time.Duration{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout} {
		if t > 0 && (d == 0 || t < d) {
			d = t
		}
	}
	return d
}
