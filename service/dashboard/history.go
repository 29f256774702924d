package dashboard

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// row is a history Record as the API and the CSV show it.
type row struct {
	Time       string `json:"time"`
	ID         string `json:"id"`
	Op         string `json:"op"`
	Device     string `json:"device"`
	User       string `json:"user"`
	Cluster    string `json:"cluster"`
	Code       int    `json:"code"`
	Outcome    string `json:"outcome"`
	Text       string `json:"text"`
	DurationMS int64  `json:"durationMs"`
	Client     string `json:"client"`
	AppID      string `json:"appID"`
	Node       string `json:"node"`
	Roaming    bool   `json:"roaming"`
	Actor      string `json:"actor"`
}

func toRow(r history.Record) row {
	return row{Time: r.Time.UTC().Format(time.RFC3339Nano), ID: r.ID, Op: r.Op, Device: r.Device, User: r.User,
		Cluster: r.Cluster, Code: r.Code, Outcome: r.Class, Text: r.Text, DurationMS: r.Duration.Milliseconds(),
		Client: r.Client, AppID: r.AppID, Node: r.Node, Roaming: r.Roaming, Actor: r.Actor}
}

type apiPage struct {
	Rows []row  `json:"rows"`
	Next string `json:"next"`
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// query runs q; a cursor the store refuses is the client's mistake.
func (d *Dashboard) query(r *http.Request, q history.Query) (history.Page, int, string) {
	p, err := d.opts.Store.Query(r.Context(), q)
	switch {
	case errors.Is(err, history.ErrBadCursor):
		return p, http.StatusBadRequest, "cursor: invalid"
	case errors.Is(err, history.ErrBadQuery):
		return p, http.StatusBadRequest, err.Error()
	case err != nil:
		d.log.Warn("dashboard: history query failed", "error", err)
		return p, http.StatusServiceUnavailable, "the request history is not available"
	}
	return p, http.StatusOK, ""
}

func (d *Dashboard) historyJSON(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	p, status, msg := d.query(r, f.q)
	if status != http.StatusOK {
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	out := apiPage{Rows: make([]row, 0, len(p.Rows)), Next: p.Next}
	for _, rec := range p.Rows {
		out.Rows = append(out.Rows, toRow(rec))
	}
	writeJSON(w, http.StatusOK, out)
}

var csvHeader = []string{"time", "id", "op", "device", "user", "cluster", "code", "outcome", "text",
	"durationMs", "client", "appID", "node", "roaming", "actor"}

// historyCSV streams every page matching the filter (the limit only sets
// the page size of the reads).
func (d *Dashboard) historyCSV(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeJSON(w, http.StatusBadRequest, apiError{Error: err.Error()})
		return
	}
	q := f.q
	q.Limit = history.MaxLimit
	p, status, msg := d.query(r, q)
	if status != http.StatusOK {
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="history.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(csvHeader)
	for {
		for _, rec := range p.Rows {
			x := toRow(rec)
			_ = cw.Write([]string{x.Time, cell(x.ID), x.Op, cell(x.Device), cell(x.User), cell(x.Cluster),
				strconv.Itoa(x.Code), x.Outcome, cell(x.Text), strconv.FormatInt(x.DurationMS, 10), cell(x.Client),
				cell(x.AppID), cell(x.Node), strconv.FormatBool(x.Roaming), cell(x.Actor)})
		}
		cw.Flush()
		if p.Next == "" || cw.Error() != nil {
			return
		}
		q.Cursor = p.Next
		if p, status, _ = d.query(r, q); status != http.StatusOK {
			return // the answer has begun: a cut-off file is all we can say
		}
	}
}

type historyView struct {
	F     filter
	Rows  []history.Record
	Next  string
	CSV   string
	Ops   []string
	Class []string
	Error string
	// Live is set on the first page: what live.js needs to poll for newer rows.
	Live *liveView
}

// liveView is the first history page's state for live.js: the filter as
// the API takes it and the key of the newest row shown. Rows of one
// millisecond have no order the API shows, so the key holds the ids of
// every row at the newest time.
type liveView struct {
	Query      string
	NewestTime string // as the API's row time; "" without rows
	NewestIDs  string // JSON array
}

func newLiveView(f filter, rows []history.Record) *liveView {
	v := &liveView{Query: f.values().Encode()}
	ids := []string{}
	if len(rows) > 0 {
		v.NewestTime = toRow(rows[0]).Time
		for _, r := range rows {
			if !r.Time.Equal(rows[0].Time) {
				break
			}
			ids = append(ids, r.ID)
		}
	}
	b, _ := json.Marshal(ids) // a []string always marshals
	v.NewestIDs = string(b)
	return v
}

func (d *Dashboard) historyPage(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	v := historyView{F: f, Ops: opNames(), Class: classes}
	if err != nil {
		v.Error = err.Error()
		d.render(w, r, http.StatusBadRequest, "history.html", v)
		return
	}
	p, status, msg := d.query(r, f.q)
	if status != http.StatusOK {
		v.Error = msg
		d.render(w, r, status, "history.html", v)
		return
	}
	v.Rows, v.CSV = p.Rows, f.link("/history.csv", "")
	if p.Next != "" {
		v.Next = f.link("/history", p.Next)
	}
	if f.Cursor == "" {
		v.Live = newLiveView(f, p.Rows)
	}
	d.render(w, r, http.StatusOK, "history.html", v)
}
