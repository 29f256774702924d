package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// classes are the outcome classes a filter may name.
var classes = []string{
	string(service.ClassSuccess), string(service.ClassCUCMError), string(service.ClassInvalid),
	string(service.ClassRejected), string(service.ClassUnavailable), string(service.ClassPartial),
	string(service.ClassError),
}

// timeLayouts are accepted for from and to: RFC 3339, and what an HTML
// datetime-local or date input sends (read as UTC).
var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"}

// maxFilterLen bounds a text filter; longer values match nothing anyway.
const maxFilterLen = 256

// filter is a history query as the pages and the API take it, with the
// raw values kept to refill the form and build links.
type filter struct {
	Device, User, Cluster, Op, Code, Outcome, From, To, Limit string
	Cursor                                                    string
	q                                                         history.Query
}

// parseFilter reads the query parameters; the error is a message fit for
// the user (it names the parameter, never an internal).
func parseFilter(v url.Values) (filter, error) {
	f := filter{Device: v.Get("device"), User: v.Get("user"), Cluster: v.Get("cluster"), Op: v.Get("op"),
		Code: v.Get("code"), Outcome: v.Get("outcome"), From: v.Get("from"), To: v.Get("to"),
		Limit: v.Get("limit"), Cursor: v.Get("cursor")}
	q := history.Query{Device: f.Device, User: f.User, Cluster: f.Cluster, Op: f.Op, Class: f.Outcome, Cursor: f.Cursor}
	for name, s := range map[string]string{"device": f.Device, "user": f.User, "cluster": f.Cluster, "cursor": f.Cursor} {
		if len(s) > maxFilterLen {
			return f, fmt.Errorf("%s: longer than %d characters", name, maxFilterLen)
		}
	}
	if f.Op != "" {
		if _, ok := service.Lookup(service.Op(f.Op)); !ok {
			return f, fmt.Errorf("op: unknown operation")
		}
	}
	if f.Outcome != "" && !slices.Contains(classes, f.Outcome) {
		return f, fmt.Errorf("outcome: must be one of %v", classes)
	}
	if f.Code != "" {
		n, err := strconv.Atoi(f.Code)
		if err != nil || n < 0 {
			return f, fmt.Errorf("code: not a number")
		}
		q.Code, q.HasCode = n, true
	}
	var err error
	if q.From, err = parseTime("from", f.From); err != nil {
		return f, err
	}
	if q.To, err = parseTime("to", f.To); err != nil {
		return f, err
	}
	if f.Limit != "" {
		n, err := strconv.Atoi(f.Limit)
		if err != nil {
			return f, fmt.Errorf("limit: not a number")
		}
		q.Limit = history.ClampLimit(n)
	}
	if f.Cursor != "" {
		if _, err := history.DecodeCursor(f.Cursor); err != nil {
			return f, fmt.Errorf("cursor: invalid")
		}
	}
	if err := q.Validate(); err != nil {
		return f, err
	}
	f.q = q
	return f, nil
}

func parseTime(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%s: not a time (2026-01-31T08:00 or RFC 3339)", name)
}

// values returns the filter as query parameters, without the cursor.
func (f filter) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"device": f.Device, "user": f.User, "cluster": f.Cluster, "op": f.Op,
		"code": f.Code, "outcome": f.Outcome, "from": f.From, "to": f.To, "limit": f.Limit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// link is path with the filter and, when set, the cursor.
func (f filter) link(path, cursor string) string {
	v := f.values()
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
