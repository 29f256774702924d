package cucmsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// streamWriteTimeout disconnects a stream client that stops reading: its handler would
// otherwise sit in a blocked write until the client goes away.
const streamWriteTimeout = 10 * time.Second

// handleStream is GET /v1/requests/stream: server-sent events, one unnamed event (data: the
// StreamEvent as JSON) per request logged after the client connected, an event "dropped"
// with {"dropped":N} before the next event when N events did not fit the client's buffer,
// and a ": heartbeat" comment every heartbeat interval.
func (s *Sim) handleStream(w http.ResponseWriter, r *http.Request) {
	f, problems := s.parseStreamFilter(r.URL.Query())
	if len(problems) > 0 {
		writeProblems(w, "invalid stream filter", problems)
		return
	}
	rc := http.NewResponseController(w)
	// The admin server's ReadTimeout would otherwise cancel the request after 30 s.
	_ = rc.SetReadDeadline(time.Time{})
	sub := s.stream.subscribe(f)
	defer s.stream.unsubscribe(sub)

	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(write func(io.Writer) error) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		return write(w) == nil && rc.Flush() == nil
	}
	if !send(func(w io.Writer) error { _, err := io.WriteString(w, ": cucmsim request stream\n\n"); return err }) {
		return
	}
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		case ev := <-sub.events:
			if !send(func(w io.Writer) error { return writeEvent(w, sub, &ev) }) {
				return
			}
		case <-tick.C:
			if !send(func(w io.Writer) error { return writeHeartbeat(w, sub) }) {
				return
			}
		}
	}
}

// writeDropped announces the events sub lost since the last announcement, if any.
func writeDropped(w io.Writer, sub *subscriber) error {
	if n := sub.dropped.Swap(0); n > 0 {
		_, err := fmt.Fprintf(w, "event: dropped\ndata: {\"dropped\":%d}\n\n", n)
		return err
	}
	return nil
}

func writeEvent(w io.Writer, sub *subscriber, ev *StreamEvent) error {
	if err := writeDropped(w, sub); err != nil {
		return err
	}
	data, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "data: %s\n\n", data)
	return err
}

func writeHeartbeat(w io.Writer, sub *subscriber) error {
	if err := writeDropped(w, sub); err != nil {
		return err
	}
	_, err := io.WriteString(w, ": heartbeat\n\n")
	return err
}

// streamStatsJSON is GET /v1/requests/stream/stats.
type streamStatsJSON struct {
	Subscribers int `json:"subscribers"`
}

func (s *Sim) handleStreamStats(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, streamStatsJSON{Subscribers: s.stream.subscribers()})
}

// problemsJSON is a 400 that lists every problem found, not just the first.
type problemsJSON struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems"`
}

func writeProblems(w http.ResponseWriter, what string, problems []string) {
	writeJSON(w, http.StatusBadRequest, problemsJSON{Error: fmt.Sprintf("%s: %d problem(s)", what, len(problems)), Problems: problems})
}
