package loadgen

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// NewClient returns an HTTP client for loopback load: keep-alive connections, enough idle
// connections per host for conns concurrent requests (the default of 2 would make most
// requests open a new connection and measure TCP setup instead of the server), no proxy from
// the environment, no compression, and timeout as the bound of every request.
func NewClient(conns int, timeout time.Duration) *http.Client {
	conns = max(conns, 1)
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        4 * conns,
			MaxIdleConnsPerHost: 2 * conns,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
	}
}

// maxBody bounds how much of an answer PostForm reads: the answers measured here are well
// under a kilobyte, and a runaway server must not exhaust the load generator's memory.
const maxBody = 1 << 20

// PostForm sends body (already form-encoded) to url and returns the HTTP status and the
// answer. It reads the answer to the end so the connection goes back to the pool.
func PostForm(ctx context.Context, c *http.Client, url, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read answer: %w", err)
	}
	// Drain whatever is beyond the limit so the connection can be reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, data, nil
}
