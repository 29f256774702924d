package cucmsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxAdminBody caps control API request bodies.
const maxAdminBody = 1 << 20

// AdminHandler is the control API of cmd/cucmsim/README.md ("Control API"). It is meant for
// test harnesses on a loopback listener and has no authentication.
func (s *Sim) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/reset", s.handleReset)
	mux.HandleFunc("GET /v1/clusters", s.handleClusters)
	mux.HandleFunc("POST /v1/clusters/{code}/reset", s.withCluster(func(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
		if err := s.ResetCluster(rt.c.Code()); err != nil {
			writeError(w, http.StatusInternalServerError, err.Error())
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /v1/clusters/{code}/devices/{device}/reset", s.withCluster(func(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
		if err := s.ResetDevice(rt.c.Code(), r.PathValue("device")); err != nil {
			writeDomainError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("GET /v1/clusters/{code}/devices", s.withCluster(s.handleSearchDevices))
	mux.HandleFunc("GET /v1/clusters/{code}/devices/{device}", s.withCluster(s.handleGetDevice))
	mux.HandleFunc("PUT /v1/clusters/{code}/devices/{device}/callHistory", s.withCluster(s.handlePutCallHistory))
	mux.HandleFunc("GET /v1/clusters/{code}/logins", s.withCluster(s.handleListLogins))
	mux.HandleFunc("PUT /v1/clusters/{code}/logins/{device}", s.withCluster(s.handlePutLogin))
	mux.HandleFunc("DELETE /v1/clusters/{code}/logins/{device}", s.withCluster(s.handleDeleteLogin))
	mux.HandleFunc("POST /v1/clusters/{code}/faults", s.withCluster(s.handleAddFault))
	mux.HandleFunc("GET /v1/clusters/{code}/faults", s.withCluster(func(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
		writeJSON(w, http.StatusOK, rt.faults.list())
	}))
	mux.HandleFunc("DELETE /v1/clusters/{code}/faults", s.withCluster(func(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
		rt.faults.clear()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("DELETE /v1/clusters/{code}/faults/{id}", s.withCluster(func(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
		if !rt.faults.remove(r.PathValue("id")) {
			writeError(w, http.StatusNotFound, "unknown fault "+r.PathValue("id"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /v1/clusters/{code}/nodes/{name}/{state}", s.withCluster(s.handleNodeState))
	mux.HandleFunc("GET /v1/clusters/{code}/requests", s.withCluster(func(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
		writeJSON(w, http.StatusOK, rt.reqs.list())
	}))
	mux.HandleFunc("DELETE /v1/clusters/{code}/requests", s.withCluster(func(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
		rt.reqs.clear()
		w.WriteHeader(http.StatusNoContent)
	}))
	mux.HandleFunc("POST /v1/clock", s.handleClock)
	mux.HandleFunc("GET /v1/requests/stream", s.handleStream)
	mux.HandleFunc("GET /v1/requests/stream/stats", s.handleStreamStats)
	mux.HandleFunc("GET /v1/scenario", s.handleGetScenario)
	mux.HandleFunc("PUT /v1/scenario", s.handlePutScenario)
	s.mountConsole(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

type apiError struct {
	Error string `json:"error"`
	Code  *int   `json:"code,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, text string) {
	writeJSON(w, status, apiError{Error: text})
}

// decodeJSON reads a JSON body into v, refusing unknown fields (typos in tests should fail loudly).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAdminBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	if dec.Decode(new(json.RawMessage)) != io.EOF {
		writeError(w, http.StatusBadRequest, "invalid JSON body: trailing data")
		return false
	}
	return true
}

func (s *Sim) withCluster(h func(http.ResponseWriter, *http.Request, *clusterRuntime)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rt, ok := s.cluster(r.PathValue("code"))
		if !ok {
			writeError(w, http.StatusNotFound, "unknown cluster "+r.PathValue("code"))
			return
		}
		h(w, r, rt)
	}
}

func (s *Sim) handleReset(w http.ResponseWriter, _ *http.Request) {
	if err := s.Reset(); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type clusterJSON struct {
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Nodes []nodeJSON `json:"nodes"`
	// RequestsInProgress counts the logins, logouts and logoutAlls holding a busy slot now,
	// against MaxConcurrentRequests (the policy's limit; beyond it CUCM answers 26).
	RequestsInProgress    int `json:"requestsInProgress"`
	MaxConcurrentRequests int `json:"maxConcurrentRequests"`
}

type nodeJSON struct {
	Name string `json:"name"`
	Addr string `json:"addr"`
	Up   bool   `json:"up"`
	// LatencyMS is the node's recent answer time: a moving average over its requests
	// (weight 1/8 for the newest), 0 before its first request.
	LatencyMS float64 `json:"latencyMs"`
}

func (s *Sim) handleClusters(w http.ResponseWriter, _ *http.Request) {
	out := make([]clusterJSON, 0, len(s.clusters))
	for _, rt := range s.clusters {
		cj := clusterJSON{Code: rt.c.Code(), Name: rt.c.Name(), Nodes: []nodeJSON{}, RequestsInProgress: rt.c.InProgress(),
			MaxConcurrentRequests: rt.c.MaxConcurrent()}
		for _, n := range rt.nodes {
			n.mu.Lock()
			addr := n.addr
			n.mu.Unlock()
			cj.Nodes = append(cj.Nodes, nodeJSON{Name: n.name, Addr: addr, Up: n.up.Load(), LatencyMS: n.latency.millis()})
		}
		out = append(out, cj)
	}
	writeJSON(w, http.StatusOK, out)
}

type loginJSON struct {
	Device  string `json:"device"`
	User    string `json:"user"`
	Profile string `json:"profile"`
	Since   string `json:"since"`
	Expires string `json:"expires,omitempty"`
	EMCC    bool   `json:"emcc"`
}

func (s *Sim) handleListLogins(w http.ResponseWriter, _ *http.Request, rt *clusterRuntime) {
	logins := rt.c.Logins()
	out := make([]loginJSON, len(logins))
	for i, l := range logins {
		out[i] = loginJSON{Device: l.Device, User: l.User, Profile: l.Profile, Since: l.Since.UTC().Format(time.RFC3339), EMCC: l.EMCC}
		if !l.Expires.IsZero() {
			out[i].Expires = l.Expires.UTC().Format(time.RFC3339)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type putLoginJSON struct {
	User    string `json:"user"`
	Profile string `json:"profile"`
	Minutes int    `json:"minutes"`
}

func (s *Sim) handlePutLogin(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	var body putLoginJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	if body.Minutes < 0 || body.Minutes > MaxExclusiveMinutes {
		writeError(w, http.StatusBadRequest, "minutes must be 0..10080 (0 = no expiry)")
		return
	}
	if err := rt.c.SetLogin(r.PathValue("device"), body.User, body.Profile, body.Minutes); err != nil {
		writeDomainError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) handleDeleteLogin(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	if err := rt.c.ClearLogin(r.PathValue("device")); err != nil {
		writeDomainError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// writeDomainError answers 404 with the EM code: every domain error of the login endpoints is
// about something that does not exist (device, user, profile, login).
func writeDomainError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	code := e.Code
	writeJSON(w, http.StatusNotFound, apiError{Error: e.Text, Code: &code})
}

func (s *Sim) handleAddFault(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	var spec FaultSpec
	if !decodeJSON(w, r, &spec) {
		return
	}
	id := faultID(s.faultSeq.Add(1))
	f, err := newFault(id, spec, func(name string) bool { _, ok := rt.node(name); return ok })
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	rt.faults.add(f)
	writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (s *Sim) handleNodeState(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	n, ok := rt.node(r.PathValue("name"))
	if !ok {
		writeError(w, http.StatusNotFound, "unknown node "+r.PathValue("name"))
		return
	}
	var up bool
	switch r.PathValue("state") {
	case "up":
		up = true
	case "down":
	default:
		writeError(w, http.StatusNotFound, "want .../up or .../down")
		return
	}
	if err := s.setNodeUp(n, up); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type clockJSON struct {
	Advance string `json:"advance"`
}

func (s *Sim) handleClock(w http.ResponseWriter, r *http.Request) {
	var body clockJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	d, err := time.ParseDuration(body.Advance)
	if err != nil || d < 0 {
		writeError(w, http.StatusBadRequest, "advance must be a non-negative duration such as 90m")
		return
	}
	s.model.Advance(d)
	w.WriteHeader(http.StatusNoContent)
}
