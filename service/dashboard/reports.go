package dashboard

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
	"github.com/emconnector/emconnector/service/history/rollup"
)

// reportParams are the parameters of a report (report.Parse), kept raw to
// refill the form and build the export links.
var reportParams = []string{"from", "to", "group", "zone", "cluster", "device", "user", "since"}

func (d *Dashboard) reportRoutes() {
	d.mux.Handle("GET /reports", d.page(RoleViewer, d.reportsPage))
	d.mux.Handle("GET /api/reports", d.api(d.reportsJSON))
	d.mux.Handle("GET /reports.csv", d.api(d.reportsCSV))
}

// maxReports reports are computed at once; the others wait up to
// reportWait, then get 503 with Retry-After: a flood of long reports
// cannot take every core from the API.
const maxReports = 2

var reportWait = 10 * time.Second

// reportsBusyText is the answer of a report that found no slot.
const reportsBusyText = "too many reports are being computed: try again in a moment"

// runReport parses the request's filter and computes its report; the
// status and message say what went wrong, in words fit for the user.
func (d *Dashboard) runReport(r *http.Request) (report.Report, int, string) {
	now := d.opts.Now()
	f, err := report.Parse(r.URL.Query().Get, now, d.opts.ReportZone)
	if err == nil {
		wait, cancel := context.WithTimeout(r.Context(), reportWait)
		defer cancel()
		select {
		case d.reports <- struct{}{}:
			defer func() { <-d.reports }()
		case <-wait.Done():
			return report.Report{}, http.StatusServiceUnavailable, reportsBusyText
		}
		var rep report.Report
		if rep, err = rollup.Run(r.Context(), d.opts.Store, f, now, d.opts.BusinessHours); err == nil {
			return rep, http.StatusOK, ""
		}
	}
	if errors.Is(err, history.ErrBadQuery) {
		var bq *history.BadQueryError
		if errors.As(err, &bq) {
			return report.Report{}, http.StatusBadRequest, bq.Error()
		}
		return report.Report{}, http.StatusBadRequest, err.Error()
	}
	d.log.Warn("dashboard: report failed", "error", err)
	return report.Report{}, http.StatusServiceUnavailable, "the request history is not available"
}

// retryLater tells a client answered 503 when to try again.
func retryLater(w http.ResponseWriter, status int) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "5")
	}
}

func (d *Dashboard) reportsJSON(w http.ResponseWriter, r *http.Request) {
	rep, status, msg := d.runReport(r)
	if status != http.StatusOK {
		retryLater(w, status)
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// reportTables are the tables /reports.csv exports (its table parameter).
var reportTables = map[string][]string{
	"groups":  {"start", "end", "logins", "failures", "users", "devices", "peakConcurrent", "loggedInSeconds", "medianSessionSeconds"},
	"devices": {"device", "cluster", "sessions", "loggedInSeconds", "utilisation"},
	"idle":    {"device", "cluster", "lastLogin"},
}

func (d *Dashboard) reportsCSV(w http.ResponseWriter, r *http.Request) {
	table := r.URL.Query().Get("table")
	if table == "" {
		table = "groups"
	}
	header, ok := reportTables[table]
	if !ok {
		writeJSON(w, http.StatusBadRequest, apiError{Error: "table: must be groups, devices or idle"})
		return
	}
	rep, status, msg := d.runReport(r)
	if status != http.StatusOK {
		retryLater(w, status)
		writeJSON(w, status, apiError{Error: msg})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="report-`+table+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write(header)
	for _, rec := range reportRecords(rep, table) {
		_ = cw.Write(rec)
	}
	cw.Flush()
}

// reportRecords are the CSV records of one table; every value that came
// from a client goes through cell.
func reportRecords(rep report.Report, table string) [][]string {
	var out [][]string
	itoa := strconv.Itoa
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }
	switch table {
	case "groups":
		for _, g := range rep.Groups {
			out = append(out, []string{g.Start.Format(time.RFC3339), g.End.Format(time.RFC3339), itoa(g.Logins),
				itoa(g.Failures), itoa(g.Users), itoa(g.Devices), itoa(g.PeakConcurrent), i64(g.LoggedInSeconds),
				f(g.MedianSessionSeconds)})
		}
	case "devices":
		for _, u := range rep.Devices {
			out = append(out, []string{cell(u.Device), cell(u.Cluster), itoa(u.Sessions), i64(u.LoggedInSeconds), f(u.Utilisation)})
		}
	case "idle":
		for _, u := range rep.Idle {
			last := ""
			if u.LastLogin != nil {
				last = u.LastLogin.Format(time.RFC3339)
			}
			out = append(out, []string{cell(u.Device), cell(u.Cluster), last})
		}
	}
	return out
}

// maxIdleShown bounds the idle devices the page lists (the CSV has all).
const maxIdleShown = 100

type reportsView struct {
	// Form holds the parameters as given; Group and Zone are the form's.
	Form      map[string]string
	Groupings []string
	Error     string
	Report    *report.Report
	Chart     *reportChart
	Idle      []report.IdleDevice
	MoreIdle  int
	// JSON and CSV link to the same report's exports.
	JSON string
	CSV  map[string]string
}

func (d *Dashboard) reportsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := reportsView{Form: map[string]string{}, Groupings: []string{string(report.Day), string(report.Hour), string(report.Week)}}
	params := url.Values{}
	for _, p := range reportParams {
		if x := q.Get(p); x != "" {
			v.Form[p] = x
			params.Set(p, x)
		}
	}
	rep, status, msg := d.runReport(r)
	if status != http.StatusOK {
		retryLater(w, status)
		v.Error = msg
		d.render(w, r, status, "reports.html", v)
		return
	}
	v.Report, v.Chart = &rep, newReportChart(rep)
	v.Idle = rep.Idle[:min(len(rep.Idle), maxIdleShown)]
	v.MoreIdle = len(rep.Idle) - len(v.Idle)
	v.JSON = "/api/reports?" + params.Encode()
	v.CSV = map[string]string{}
	for t := range reportTables {
		params.Set("table", t)
		v.CSV[t] = "/reports.csv?" + params.Encode()
	}
	d.render(w, r, http.StatusOK, "reports.html", v)
}

// The reports page's template functions (in funcs, pages.go), kept beside
// the report's formatting.
func localTime(t time.Time) string { return t.Format("2006-01-02 15:04 MST") }

func seconds(s int64) string { return (time.Duration(s) * time.Second).String() }

func fracSeconds(s float64) string { return (time.Duration(s*1000) * time.Millisecond).String() }

func percent(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + " %" }
