package benchrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// simRequestLogSize is how many requests the simulator's log of a cluster keeps (cmd/cucmsim/README.md,
// "Control API"): a log this full may have dropped its oldest entries.
const simRequestLogSize = 10000

// simControl drives the simulator's control API (cmd/cucmsim/README.md, "Control API").
type simControl struct {
	client *http.Client
	admin  string // host:port
}

// addLatency makes every EM request of operation op on cluster code take d more, inside
// CUCM's busy slot (a fault with a latency and no other effect, until cleared).
func (s simControl) addLatency(ctx context.Context, code, op string, d time.Duration) error {
	body, err := json.Marshal(map[string]string{"operation": op, "latency": d.String()})
	if err != nil {
		return err
	}
	return s.do(ctx, http.MethodPost, "/v1/clusters/"+url.PathEscape(code)+"/faults", body, http.StatusCreated, nil)
}

// clearFaults removes every fault of cluster code.
func (s simControl) clearFaults(ctx context.Context, code string) error {
	return s.do(ctx, http.MethodDelete, "/v1/clusters/"+url.PathEscape(code)+"/faults", nil, http.StatusNoContent, nil)
}

// clearRequests empties the request log of cluster code.
func (s simControl) clearRequests(ctx context.Context, code string) error {
	return s.do(ctx, http.MethodDelete, "/v1/clusters/"+url.PathEscape(code)+"/requests", nil, http.StatusNoContent, nil)
}

// busyAnswers counts the requests of cluster code's log answered with EM code 26; atLeast
// says the log was full, so older ones may have been dropped.
func (s simControl) busyAnswers(ctx context.Context, code string) (n int, atLeast bool, err error) {
	var entries []struct {
		Code *int `json:"code"`
	}
	if err := s.do(ctx, http.MethodGet, "/v1/clusters/"+url.PathEscape(code)+"/requests", nil, http.StatusOK, &entries); err != nil {
		return 0, false, err
	}
	for _, e := range entries {
		if e.Code != nil && *e.Code == 26 {
			n++
		}
	}
	return n, len(entries) >= simRequestLogSize, nil
}

// do sends one control request and decodes the answer into out (when not nil).
func (s simControl) do(ctx context.Context, method, path string, body []byte, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+s.admin+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("cucmsim control API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("cucmsim control API: %s %s: HTTP %d, want %d: %s", method, path, resp.StatusCode, want, msg)
	}
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
