// Package history keeps the request history: one Record per API request
// that concerned a device or a user, written asynchronously (Writer) to a
// Store, queried newest first with keyset pagination (Query) and purged
// after a retention period (Retention). The stores are service/sqlite and
// service/postgres; historytest holds the contract both pass.
package history

import (
	"time"

	"github.com/emconnector/emconnector/service"
)

// Record is one row of the history. It holds what the request's Event
// holds, never an appCertificate, a PIN or a body (the Event has none).
type Record struct {
	// Seq is the store's row number, set when read; it orders rows of the
	// same millisecond and makes the cursor unique.
	Seq int64
	// Time is when the request was received, UTC, millisecond precision.
	Time     time.Time
	ID       string // request id (X-Request-ID)
	Op       string
	Device   string
	User     string
	Cluster  string
	Code     int
	Class    string
	Text     string
	Duration time.Duration // millisecond precision
	Client   string        // client address
	AppID    string
	// Node is the CUCM node that answered (the last one tried), or "".
	Node string
	// Roaming is true when a login went through the PIN flow.
	Roaming bool
	// Actor is who acted when the dashboard does; "" for API requests.
	Actor string
	// Until is when CUCM ends a login made with a duration (the answer's
	// until field), second precision; zero otherwise. The sessions end
	// there unless a row ends them before (SessionBuilder).
	Until time.Time
}

// FromEvent makes the Record of e; ok is false when e concerns neither a
// device nor a user (getversioninfo, a request refused before its path was
// read), which the history does not keep, unless it is audited (kept). Its values are made storable (service.Storable) whatever made e.
func FromEvent(e service.Event) (r Record, ok bool) {
	if !kept(e) {
		return Record{}, false
	}
	return recordOf(e.Storable()), true
}

// kept reports whether the history keeps e: it concerns a device or a
// user, or its operation is audited (runsweep names neither: its row is
// who ran which sweep, the sweep's logouts being rows of their own with
// the actor "sweep:<name>").
func kept(e service.Event) bool {
	return e.Device != "" || e.User != "" || e.Audited()
}

// recordOf is the Record of a storable e.
func recordOf(e service.Event) Record {
	var node string
	if n := len(e.Nodes); n > 0 {
		node = e.Nodes[n-1]
	}
	var until time.Time
	for _, f := range e.Fields {
		if f.Name == service.FieldUntil {
			until, _ = time.Parse(time.RFC3339, f.Value) // zero if unreadable: no end known
			until = until.UTC()
		}
	}
	return Record{
		Until:    until,
		Time:     e.Start.UTC().Truncate(time.Millisecond),
		ID:       e.ID,
		Op:       string(e.Op),
		Device:   e.Device,
		User:     e.User,
		Cluster:  e.Cluster,
		Code:     e.Code,
		Class:    string(e.Class),
		Text:     e.Text,
		Duration: e.Duration.Truncate(time.Millisecond),
		Client:   e.Client,
		AppID:    e.AppID,
		Node:     node,
		Roaming:  e.PINFlow,
		Actor:    e.Actor,
	}
}

// RecordsOf makes the rows of e: one Record (FromEvent), or, for an
// operation that changed several phones (logoutuser), one per device it
// acted on, each with that device, cluster, code and text, so that the
// device's sessions end where the dashboard looks for them. An operation
// whose list found no device keeps its one row.
func RecordsOf(e service.Event) []Record {
	if !kept(e) {
		return nil
	}
	e = e.Storable()
	r := recordOf(e)
	if e.Op != service.OpLogoutUser || len(e.Devices) == 0 {
		return []Record{r}
	}
	rows := make([]Record, 0, len(e.Devices))
	for _, d := range e.Devices {
		dr := r
		dr.Device, dr.Cluster, dr.Code, dr.Text = d.Device, d.Cluster, d.Code, d.Text
		dr.Class = string(service.Result{Code: d.Code, FromCUCM: d.Code > 0 && d.Code < 1000}.Class())
		rows = append(rows, dr)
	}
	return rows
}
