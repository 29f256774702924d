package cucmsim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// deviceJSON is GET /v1/clusters/{code}/devices/{device}.
type deviceJSON struct {
	Name        string      `json:"name"`
	Model       string      `json:"model,omitempty"`
	UUID        string      `json:"uuid"`
	EMEnabled   bool        `json:"emEnabled"`
	EMCCCapable bool        `json:"emccCapable"`
	CallHistory int         `json:"callHistory"`
	Resets      []resetJSON `json:"resets"`
	User        string      `json:"user,omitempty"`
	Profile     string      `json:"profile,omitempty"`
	EMCC        bool        `json:"emcc"`
	LastLogin   string      `json:"lastLogin,omitempty"`
}

type resetJSON struct {
	Time string `json:"time"`
	Hard bool   `json:"hard"`
}

func (s *Sim) handleGetDevice(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	st, err := rt.c.Device(r.PathValue("device"))
	if err != nil {
		writeDomainError(w, err)
		return
	}
	out := deviceJSON{
		Name: st.Name, Model: st.Model, UUID: st.UUID, EMEnabled: st.EMEnabled, EMCCCapable: st.EMCCCapable,
		CallHistory: st.CallHistory, Resets: make([]resetJSON, len(st.Resets)),
		User: st.User, Profile: st.Profile, EMCC: st.EMCC, LastLogin: st.LastLogin,
	}
	for i, rec := range st.Resets {
		out.Resets[i] = resetJSON{Time: rec.Time.UTC().Format(time.RFC3339Nano), Hard: rec.Hard}
	}
	writeJSON(w, http.StatusOK, out)
}

// callHistoryJSON is the body of PUT /v1/clusters/{code}/devices/{device}/callHistory; a
// pointer so a missing count is an error, not zero.
type callHistoryJSON struct {
	Entries *int `json:"entries"`
}

func (s *Sim) handlePutCallHistory(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	var body callHistoryJSON
	if !decodeJSON(w, r, &body) {
		return
	}
	if body.Entries == nil || *body.Entries < 0 || *body.Entries > MaxCallHistory {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("entries must be 0..%d", MaxCallHistory))
		return
	}
	if err := rt.c.SetCallHistory(r.PathValue("device"), *body.Entries); err != nil {
		writeDomainError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// DefaultDevicePage is the page size of the device search when limit is not given.
const DefaultDevicePage = 50

// devicePageJSON is GET /v1/clusters/{code}/devices.
type devicePageJSON struct {
	Total   int           `json:"total"`
	Offset  int           `json:"offset"`
	Limit   int           `json:"limit"`
	Devices []DeviceMatch `json:"devices"`
}

// handleSearchDevices is GET /v1/clusters/{code}/devices?q=&offset=&limit=: a page of the
// devices whose name, current user or current profile contains q, and how many match.
func (s *Sim) handleSearchDevices(w http.ResponseWriter, r *http.Request, rt *clusterRuntime) {
	q := r.URL.Query()
	offset, ok1 := queryInt(q.Get("offset"), 0, 0, math.MaxInt32)
	limit, ok2 := queryInt(q.Get("limit"), DefaultDevicePage, 1, MaxDevicePage)
	if !ok1 || !ok2 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("offset must be 0 or more and limit 1..%d", MaxDevicePage))
		return
	}
	page, total := rt.c.SearchDevices(q.Get("q"), offset, limit)
	writeJSON(w, http.StatusOK, devicePageJSON{Total: total, Offset: offset, Limit: limit, Devices: page})
}

// queryInt parses an optional integer query parameter within [lo, hi].
func queryInt(v string, def, lo, hi int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}
