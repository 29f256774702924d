package report

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// Grouping is the length of a report's groups: an hour, a day or an ISO
// week (from Monday), with boundaries in the report's time zone.
type Grouping string

// The groupings.
const (
	Hour Grouping = "hour"
	Day  Grouping = "day"
	Week Grouping = "week"
)

// Limits of a report (cmd/bcservice/README.md, "Usage reports").
const (
	// DefaultRange is the range of a report without from.
	DefaultRange = 7 * 24 * time.Hour
	// MaxRange bounds to − from (and to − since).
	MaxRange = 366 * 24 * time.Hour
	// MaxGroups bounds the groups of one report (100 days by the hour).
	MaxGroups = 2400
	// Lookback is how long before the range (or since) the rows are read
	// to find the sessions open when it begins: a session begun earlier
	// is not seen.
	Lookback = 31 * 24 * time.Hour
	// MaxRows bounds the history rows one report reads (those of the
	// operations that change a phone).
	MaxRows = 1_000_000
	// maxZoneBytes bounds a zone name (the longest IANA name has 32).
	maxZoneBytes = 64
)

// minTime and maxTime bound the instants a filter may name.
var (
	minTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Filter selects what a report covers. Parse builds one from a request's
// parameters; Validate checks one built otherwise.
type Filter struct {
	// From (inclusive) and To (exclusive) bound the report.
	From, To time.Time
	Group    Grouping
	// Zone sets the groups' boundaries (and the business hours').
	Zone *time.Location
	// Cluster, User match exactly; Device is a glob (path.Match: * ? [..]).
	Cluster, Device, User string
	// Since is the date of the "never logged into since" list.
	Since time.Time
}

// bad is the error of a filter no report can serve (history.ErrBadQuery).
func bad(field, format string, args ...any) error {
	return &history.BadQueryError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Parse reads a filter from request parameters (get returns "" for one
// absent): from, to, since (RFC 3339 instants, local times
// YYYY-MM-DDTHH:MM[:SS] or dates YYYY-MM-DD in the zone: a date in to
// means the end of that day), group, zone (IANA name),
// cluster, device (glob) and user. now and zone give the defaults: the
// last DefaultRange up to now, by day, in zone. A report covers whole
// hours of its zone: from and since are rounded down to the hour, to up.
func Parse(get func(string) string, now time.Time, zone *time.Location) (Filter, error) {
	f := Filter{Group: Grouping(get("group")), Cluster: get("cluster"), Device: get("device"), User: get("user")}
	if f.Group == "" {
		f.Group = Day
	}
	var err error
	if f.Zone, err = parseZone(get("zone"), zone); err != nil {
		return f, err
	}
	if err := checkText(f); err != nil {
		return f, err
	}
	if f.To, err = parseTime("to", get("to"), f.Zone, true); err != nil {
		return f, err
	}
	if f.To.IsZero() {
		f.To = now
	}
	if f.From, err = parseTime("from", get("from"), f.Zone, false); err != nil {
		return f, err
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-DefaultRange)
	}
	if f.Since, err = parseTime("since", get("since"), f.Zone, false); err != nil {
		return f, err
	}
	if f.Since.IsZero() {
		f.Since = f.From
	}
	f.From, f.Since, f.To = floor(f.From, Hour, f.Zone), floor(f.Since, Hour, f.Zone), ceilHour(f.To, f.Zone)
	return f, f.Validate()
}

// ceilHour is t if it starts an hour in loc, else the start of the next.
func ceilHour(t time.Time, loc *time.Location) time.Time {
	if b := floor(t, Hour, loc); b.Before(t) {
		return next(b, Hour, loc)
	}
	return t
}

func parseZone(name string, def *time.Location) (*time.Location, error) {
	if name == "" {
		if def == nil {
			def = time.Local
		}
		return def, nil
	}
	if len(name) > maxZoneBytes || service.Storable(name, maxZoneBytes) != name {
		return nil, bad("zone", "not an IANA time zone name")
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, bad("zone", "unknown time zone (an IANA name such as Europe/Paris or UTC)")
	}
	return loc, nil
}

func checkText(f Filter) error {
	for _, v := range []struct{ name, value string }{{"cluster", f.Cluster}, {"device", f.Device}, {"user", f.User},
		{"group", string(f.Group)}} {
		switch {
		case len(v.value) > service.MaxNameBytes:
			return bad(v.name, "longer than %d bytes", service.MaxNameBytes)
		case service.Storable(v.value, service.MaxNameBytes) != v.value:
			return bad(v.name, "not valid UTF-8, or holds a control character")
		}
	}
	return nil
}

// parseTime reads an RFC 3339 instant or a date in loc; "" is zero. A
// date in an end bound means the start of the next day.
func parseTime(field, s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) > 64 {
		return time.Time{}, bad(field, "not a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} { // a datetime-local input
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, bad(field, "not a date (YYYY-MM-DD) or an RFC 3339 time")
	}
	if end {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
	}
	return d, nil
}

// Validate checks f's values and limits.
func (f Filter) Validate() error {
	switch f.Group {
	case Hour, Day, Week:
	default:
		return bad("group", "must be hour, day or week")
	}
	if f.Zone == nil {
		return bad("zone", "required")
	}
	if err := checkText(f); err != nil {
		return err
	}
	if _, err := path.Match(f.Device, ""); err != nil {
		return bad("device", "not a valid pattern (* ? and [...] as in a file name)")
	}
	for _, t := range []struct {
		name string
		at   time.Time
	}{{"from", f.From}, {"to", f.To}, {"since", f.Since}} {
		if t.at.Before(minTime) || !t.at.Before(maxTime) {
			return bad(t.name, "must be between 2000 and 2199")
		}
	}
	switch {
	case !f.From.Before(f.To):
		return bad("from", "must be before to")
	case f.To.Sub(f.From) > MaxRange:
		return bad("from", "the range must not exceed %d days", MaxRange/(24*time.Hour))
	case f.Since.After(f.To):
		return bad("since", "must not be after to")
	case f.To.Sub(f.Since) > MaxRange:
		return bad("since", "must not be more than %d days before to", MaxRange/(24*time.Hour))
	}
	if n := estimateGroups(f); n > MaxGroups {
		return bad("group", "%d groups; at most %d (choose a longer grouping or a shorter range)", n, MaxGroups)
	}
	return nil
}

func estimateGroups(f Filter) int64 {
	step := map[Grouping]time.Duration{Hour: time.Hour, Day: 23 * time.Hour, Week: 7 * 23 * time.Hour}[f.Group]
	return int64(f.To.Sub(f.From)/step) + 2
}

// matchDevice reports whether dev matches the device pattern.
func (f Filter) matchDevice(dev string) bool {
	if f.Device == "" {
		return true
	}
	ok, _ := path.Match(f.Device, dev)
	return ok
}

// literalDevice is the pattern when it names one device (no wildcard).
func (f Filter) literalDevice() string {
	if strings.ContainsAny(f.Device, `*?[\`) {
		return ""
	}
	return f.Device
}
