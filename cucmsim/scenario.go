package cucmsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// scenarioJSON is GET/PUT /v1/scenario: the whole runtime state of the simulator, every
// cluster in topology order. Missing keys on PUT mean the reset state (no faults, every node
// up, no logins, the topology's call histories, clock offset 0).
type scenarioJSON struct {
	// ClockOffset is how far the clock was moved (POST /v1/clock), a Go duration.
	ClockOffset string                `json:"clockOffset"`
	Clusters    []clusterScenarioJSON `json:"clusters"`
}

type clusterScenarioJSON struct {
	Code          string              `json:"code"`
	Nodes         []nodeScenarioJSON  `json:"nodes"`
	Faults        []FaultInfo         `json:"faults"`
	Logins        []loginScenarioJSON `json:"logins"`
	LastLogins    map[string]string   `json:"lastLogins"`
	CallHistories map[string]int      `json:"callHistories"`
}

type nodeScenarioJSON struct {
	Name string `json:"name"`
	Up   bool   `json:"up"`
}

// loginScenarioJSON is a login as GET /v1/clusters/{code}/logins shows it; emcc is a pointer
// so a scenario may leave it out (it is derived from the user's home cluster).
type loginScenarioJSON struct {
	Device  string `json:"device"`
	User    string `json:"user"`
	Profile string `json:"profile,omitempty"`
	Since   string `json:"since,omitempty"`
	Expires string `json:"expires,omitempty"`
	EMCC    *bool  `json:"emcc,omitempty"`
}

// scenario captures the current runtime state.
func (s *Sim) scenario() scenarioJSON {
	doc := scenarioJSON{ClockOffset: s.model.ClockOffset().String(), Clusters: make([]clusterScenarioJSON, 0, len(s.clusters))}
	for _, rt := range s.clusters {
		st := rt.c.Runtime()
		cs := clusterScenarioJSON{
			Code: rt.c.Code(), Nodes: make([]nodeScenarioJSON, len(rt.nodes)), Faults: rt.faults.list(),
			Logins: make([]loginScenarioJSON, len(st.Logins)), LastLogins: st.LastLogins, CallHistories: st.CallHistories,
		}
		for i, n := range rt.nodes {
			cs.Nodes[i] = nodeScenarioJSON{Name: n.name, Up: n.up.Load()}
		}
		for i, l := range st.Logins {
			cs.Logins[i] = loginScenarioJSON{Device: l.Device, User: l.User, Profile: l.Profile, Since: formatTime(l.Since), Expires: formatTime(l.Expires), EMCC: l.EMCC}
		}
		doc.Clusters = append(doc.Clusters, cs)
	}
	return doc
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (s *Sim) handleGetScenario(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.scenario())
}

// scenarioPlan is a validated scenario, ready to apply.
type scenarioPlan struct {
	clock    time.Duration
	clusters map[*clusterRuntime]*clusterPlan
	// lastFaultID is the highest fault number of the document: new faults count on from it.
	lastFaultID int64
}

type clusterPlan struct {
	down    map[string]bool
	faults  []*fault
	runtime RuntimeState
}

func (s *Sim) handlePutScenario(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAdminBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	plan, problems := s.planScenario(body)
	if len(problems) > 0 {
		writeProblems(w, "invalid scenario", problems)
		return
	}
	if err := s.applyScenario(plan); err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// applyScenario replaces the runtime state with plan. The request log, device reset records
// and the random source are not part of a scenario and stay as they are.
func (s *Sim) applyScenario(plan *scenarioPlan) error {
	s.model.SetClockOffset(plan.clock)
	var errs []error
	for _, rt := range s.clusters {
		p := plan.clusters[rt]
		if p == nil {
			p = &clusterPlan{}
		}
		rt.faults.replace(p.faults)
		rt.c.SetRuntime(p.runtime)
		for _, n := range rt.nodes {
			if up := !p.down[n.name]; n.up.Load() != up {
				errs = append(errs, s.setNodeUp(n, up))
			}
		}
	}
	s.faultSeq.Store(plan.lastFaultID)
	return errors.Join(errs...)
}

// planScenario validates a scenario document and lists every problem: malformed values,
// unknown keys at any level, unknown clusters, nodes, devices, users and profiles, invalid
// faults.
func (s *Sim) planScenario(body []byte) (*scenarioPlan, []string) {
	d := &docReader{}
	plan := &scenarioPlan{clusters: map[*clusterRuntime]*clusterPlan{}}
	top := d.element("scenario", body, "clockOffset", "clusters")
	if raw, ok := top["clockOffset"]; ok {
		var text string
		if d.value("clockOffset", raw, &text) {
			off, err := time.ParseDuration(text)
			if err != nil || off < 0 {
				d.add("clockOffset", "want a non-negative duration such as 90m, got %q", text)
			}
			plan.clock = off
		}
	}
	faultIDs := map[string]string{}
	for i, raw := range d.array("clusters", top["clusters"]) {
		path := "clusters[" + strconv.Itoa(i) + "]"
		obj := d.element(path, raw, "code", "nodes", "faults", "logins", "lastLogins", "callHistories")
		if obj == nil {
			continue
		}
		var code string
		if !d.value(path+".code", obj["code"], &code) {
			if obj["code"] == nil {
				d.add(path+".code", "missing")
			}
			continue
		}
		rt, ok := s.cluster(code)
		if !ok {
			d.add(path+".code", "unknown cluster %q", code)
			continue
		}
		if plan.clusters[rt] != nil {
			d.add(path+".code", "cluster %s listed twice", rt.c.Code())
			continue
		}
		path = "clusters[" + rt.c.Code() + "]"
		p := &clusterPlan{down: d.nodes(path+".nodes", obj["nodes"], rt)}
		p.faults = d.faults(path+".faults", obj["faults"], rt, faultIDs, &plan.lastFaultID)
		p.runtime = d.runtime(path, obj, rt.c)
		plan.clusters[rt] = p
	}
	for _, f := range d.unnumbered {
		plan.lastFaultID++
		f.id = faultID(plan.lastFaultID)
	}
	return plan, d.problems
}

// docReader walks a JSON document, collecting every problem instead of stopping at the first.
type docReader struct {
	problems []string
	// unnumbered are the faults without an ID, numbered once the whole document is read so
	// they never take a number listed later.
	unnumbered []*fault
}

func (d *docReader) add(path, format string, args ...any) {
	d.problems = append(d.problems, path+": "+fmt.Sprintf(format, args...))
}

// object decodes raw as an object whose keys must be among allowed (exact case); nil when
// raw is missing, null or not an object.
func (d *docReader) object(path string, raw json.RawMessage, allowed ...string) map[string]json.RawMessage {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		d.add(path, "want an object: %s", jsonProblem(err))
		return nil
	}
	for _, k := range sortedKeys(obj) {
		if !containsExact(allowed, k) {
			d.add(path, "unknown key %q (want %s)", k, strings.Join(allowed, ", "))
		}
	}
	return obj
}

// element is object for an array element, which must not be null.
func (d *docReader) element(path string, raw json.RawMessage, allowed ...string) map[string]json.RawMessage {
	if string(raw) == "null" {
		d.add(path, "want an object, got null")
		return nil
	}
	return d.object(path, raw, allowed...)
}

// array decodes raw as an array (missing or null: empty).
func (d *docReader) array(path string, raw json.RawMessage) []json.RawMessage {
	if raw == nil || string(raw) == "null" {
		return nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(raw, &arr); err != nil {
		d.add(path, "want an array: %s", jsonProblem(err))
		return nil
	}
	return arr
}

// value decodes a present raw into v; false when missing or malformed (reported).
func (d *docReader) value(path string, raw json.RawMessage, v any) bool {
	if raw == nil {
		return false
	}
	if err := json.Unmarshal(raw, v); err != nil {
		d.add(path, "%s", jsonProblem(err))
		return false
	}
	return true
}

// jsonProblem words a decoding error without Go type names where it can.
func jsonProblem(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := ""
		if te.Field != "" {
			// The last segment is the document's key (Field is the Go path, FaultSpec.count).
			field = te.Field[strings.LastIndexByte(te.Field, '.')+1:] + ": "
		}
		return field + "a JSON " + te.Value + " is not allowed here"
	}
	return err.Error()
}

func containsExact(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// nodes reads [{"name","up"}]: the nodes marked down (unlisted nodes are up).
func (d *docReader) nodes(path string, raw json.RawMessage, rt *clusterRuntime) map[string]bool {
	down := map[string]bool{}
	seen := map[string]bool{}
	for i, item := range d.array(path, raw) {
		p := path + "[" + strconv.Itoa(i) + "]"
		obj := d.element(p, item, "name", "up")
		if obj == nil {
			continue
		}
		var name string
		var up bool
		okName, okUp := d.value(p+".name", obj["name"], &name), d.value(p+".up", obj["up"], &up)
		if obj["name"] == nil {
			d.add(p+".name", "missing")
		}
		if obj["up"] == nil {
			d.add(p+".up", "missing")
		}
		if !okName {
			continue
		}
		if _, ok := rt.node(name); !ok {
			d.add(p+".name", "unknown node %q", name)
			continue
		}
		if seen[name] {
			d.add(p+".name", "node %q listed twice", name)
		}
		seen[name] = true
		if okUp && !up {
			down[name] = true
		}
	}
	return down
}

// faultKeys are the keys of a fault in a scenario: FaultInfo's.
var faultKeys = []string{"id", "operation", "device", "user", "node", "count", "probability", "emCode", "emText",
	"latency", "httpStatus", "drop", "body", "after", "remaining", "hits"}

// faults reads the faults of a cluster with their IDs, hits and remaining counts. IDs are
// fN, unique in the simulator; a fault without one gets the next free number.
func (d *docReader) faults(path string, raw json.RawMessage, rt *clusterRuntime, ids map[string]string, last *int64) []*fault {
	var out []*fault
	for i, item := range d.array(path, raw) {
		p := path + "[" + strconv.Itoa(i) + "]"
		if d.element(p, item, faultKeys...) == nil {
			continue
		}
		var info FaultInfo
		if !d.value(p, item, &info) {
			continue
		}
		f, err := newFault(info.ID, info.FaultSpec, func(name string) bool { _, ok := rt.node(name); return ok })
		if err != nil {
			d.add(p, "%s", err.Error())
			continue
		}
		n := len(d.problems)
		if info.Hits < 0 {
			d.add(p+".hits", "must be >= 0")
		}
		f.hits = info.Hits
		switch {
		case info.Remaining != nil && info.Count == 0:
			d.add(p+".remaining", "only a counted fault (count > 0) has remaining hits")
		case info.Remaining != nil && (*info.Remaining < 0 || *info.Remaining > info.Count):
			d.add(p+".remaining", "must be 0..count (%d)", info.Count)
		case info.Remaining != nil:
			f.remaining = *info.Remaining
		}
		if info.ID != "" {
			num, err := strconv.ParseInt(strings.TrimPrefix(info.ID, "f"), 10, 63)
			switch {
			case !strings.HasPrefix(info.ID, "f") || err != nil || num <= 0:
				d.add(p+".id", "want f followed by a positive number, got %q", info.ID)
			case ids[info.ID] != "":
				d.add(p+".id", "%s already used by %s", info.ID, ids[info.ID])
			default:
				ids[info.ID] = p
				*last = max(*last, num)
			}
		}
		if len(d.problems) > n {
			continue
		}
		if info.ID == "" {
			d.unnumbered = append(d.unnumbered, f)
		}
		out = append(out, f)
	}
	return out
}

// runtime reads a cluster's logins, last logins and call histories and checks them against
// its topology.
func (d *docReader) runtime(path string, obj map[string]json.RawMessage, c *Cluster) RuntimeState {
	var st RuntimeState
	for i, item := range d.array(path+".logins", obj["logins"]) {
		p := "logins[" + strconv.Itoa(i) + "]"
		lo := d.element(path+"."+p, item, "device", "user", "profile", "since", "expires", "emcc")
		if lo == nil {
			continue
		}
		var l loginScenarioJSON
		n := len(d.problems)
		d.value(path+"."+p, item, &l)
		for _, k := range []string{"device", "user"} {
			if lo[k] == nil {
				d.add(path+"."+p+"."+k, "missing")
			}
		}
		seed := LoginSeed{Device: l.Device, User: l.User, Profile: l.Profile, EMCC: l.EMCC}
		seed.Since = d.time(path+"."+p+".since", l.Since)
		seed.Expires = d.time(path+"."+p+".expires", l.Expires)
		if len(d.problems) > n {
			continue // its names are checked once its shape is right
		}
		st.Logins = append(st.Logins, seed)
		st.loginPaths = append(st.loginPaths, p)
	}
	d.value(path+".lastLogins", obj["lastLogins"], &st.LastLogins)
	d.value(path+".callHistories", obj["callHistories"], &st.CallHistories)
	checked, problems := c.CheckRuntime(st)
	for _, pr := range problems {
		d.problems = append(d.problems, path+"."+pr)
	}
	return checked
}

// time parses an optional RFC 3339 time.
func (d *docReader) time(path, text string) time.Time {
	if text == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, text)
	if err != nil {
		d.add(path, "want an RFC 3339 time such as 2026-01-02T15:04:05Z, got %q", text)
	}
	return t
}
