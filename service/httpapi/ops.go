package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/service/health"
)

// healthz answers 200 "ok\n" while the process serves HTTP at all (liveness:
// it does not look at CUCM, so a CUCM outage never gets the service
// restarted).
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok\n")) // the ops endpoints end with a line break, for terminals
}

// readyz answers 200 when at least one node of every cluster accepts a TCP
// connection, else 503 (503 "draining" too once the service is stopping); the body is the health.Report as JSON (which
// clusters are not ready). The report is cached by the checker, so polling
// /readyz cannot hammer CUCM.
func (a *api) readyz(w http.ResponseWriter, r *http.Request) {
	rep := a.health.Check(r.Context())
	status, word := http.StatusOK, statusWord(rep.Ready)
	if !rep.Ready {
		status = http.StatusServiceUnavailable
	}
	if a.draining != nil && a.draining() {
		status, word = http.StatusServiceUnavailable, "draining"
	}
	body, _ := json.Marshal(struct {
		Status   string                 `json:"status"`
		NotReady []string               `json:"notReady,omitempty"`
		Clusters []health.ClusterReport `json:"clusters"`
		Checked  time.Time              `json:"checked"`
	}{word, rep.NotReady(), rep.Clusters, rep.Checked})
	w.Header().Set("Content-Type", contentJSON)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func statusWord(ready bool) string {
	if ready {
		return "ready"
	}
	return "not ready"
}
