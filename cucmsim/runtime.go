package cucmsim

import (
	"fmt"
	"maps"
	"strconv"
	"time"
)

// RuntimeState is what a cluster's EM rules learnt since the last reset, as a scenario
// (GET/PUT /v1/scenario) carries it. Device resets are history, like the request log, and are
// not part of it.
type RuntimeState struct {
	Logins []LoginSeed
	// LastLogins maps a device to the last user logged in on it (<lastlogin>).
	LastLogins map[string]string
	// CallHistories holds the counts set since the last reset (control API, hard resets);
	// the other devices have the topology's.
	CallHistories map[string]int
	// loginPaths, when set, name each login in problems (a document's index may differ from
	// the slice's when malformed logins were left out).
	loginPaths []string
}

// LoginSeed is a login to restore. A zero Since means now; EMCC, when set, must agree with
// the user's home cluster (it is derived, not chosen).
type LoginSeed struct {
	Device  string
	User    string
	Profile string
	Since   time.Time
	Expires time.Time
	EMCC    *bool
}

// Runtime returns the cluster's current runtime state (live logins only).
func (c *Cluster) Runtime() RuntimeState {
	infos := c.Logins()
	logins := make([]LoginSeed, len(infos))
	for i, l := range infos {
		emcc := l.EMCC
		logins[i] = LoginSeed{Device: l.Device, User: l.User, Profile: l.Profile, Since: l.Since, Expires: l.Expires, EMCC: &emcc}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return RuntimeState{Logins: logins, LastLogins: maps.Clone(c.last), CallHistories: maps.Clone(c.history)}
}

// CheckRuntime validates st against the topology and returns it with every name in its
// configured spelling and every profile resolved, or the problems found (all of them), each
// prefixed with the path of the offending value (logins[0].user, callHistories.SEP…).
func (c *Cluster) CheckRuntime(st RuntimeState) (RuntimeState, []string) {
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	out := RuntimeState{LastLogins: map[string]string{}, CallHistories: map[string]int{}}
	seen := map[string]string{}
	for i, l := range st.Logins {
		path := "logins[" + strconv.Itoa(i) + "]"
		if i < len(st.loginPaths) {
			path = st.loginPaths[i]
		}
		n := len(problems)
		dev, ok := c.device(l.Device)
		if !ok {
			bad(path+".device", "unknown device %q", l.Device)
		} else if prev, dup := seen[dev.Name]; dup {
			bad(path+".device", "device %q already logged in by %s", l.Device, prev)
		} else {
			seen[dev.Name] = path
		}
		u, home := c.homeOf(l.User)
		if u == nil {
			bad(path+".user", "unknown user %q", l.User)
		} else {
			profile, err := home.profileFor(u, l.Profile)
			switch {
			case err != nil && l.Profile == "":
				bad(path+".profile", "missing: user %q has no profile", l.User)
			case err != nil:
				bad(path+".profile", "unknown profile %q for user %q", l.Profile, l.User)
			}
			if l.EMCC != nil && *l.EMCC != (home != c) {
				bad(path+".emcc", "must be %t: user %q is homed in cluster %s", home != c, l.User, home.code)
			}
			l.Profile = profile
		}
		if !l.Expires.IsZero() && !l.Since.IsZero() && !l.Expires.After(l.Since) {
			bad(path+".expires", "must be after since")
		}
		if len(problems) == n {
			emcc := home != c
			out.Logins = append(out.Logins, LoginSeed{Device: dev.Name, User: u.ID, Profile: l.Profile, Since: l.Since, Expires: l.Expires, EMCC: &emcc})
		}
	}
	for _, d := range sortedKeys(st.LastLogins) {
		dev, ok := c.device(d)
		if !ok {
			bad("lastLogins."+d, "unknown device %q", d)
			continue
		}
		u, _ := c.homeOf(st.LastLogins[d])
		if u == nil {
			bad("lastLogins."+d, "unknown user %q", st.LastLogins[d])
			continue
		}
		if _, dup := out.LastLogins[dev.Name]; dup {
			bad("lastLogins."+d, "device %q listed twice (names compare case-insensitively)", d)
		}
		out.LastLogins[dev.Name] = u.ID
	}
	for _, d := range sortedKeys(st.CallHistories) {
		dev, ok := c.device(d)
		n := st.CallHistories[d]
		switch {
		case !ok:
			bad("callHistories."+d, "unknown device %q", d)
		case n < 0 || n > MaxCallHistory:
			bad("callHistories."+d, "must be 0..%d", MaxCallHistory)
		default:
			if _, dup := out.CallHistories[dev.Name]; dup {
				bad("callHistories."+d, "device %q listed twice (names compare case-insensitively)", d)
			}
			out.CallHistories[dev.Name] = n
		}
	}
	return out, problems
}

// SetRuntime replaces the cluster's logins, last logins and call histories with st, which
// must come from CheckRuntime. A login without a last login gets its user as one.
func (c *Cluster) SetRuntime(st RuntimeState) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	c.logins = map[string]login{}
	c.byUser = map[string][]string{}
	for _, l := range st.Logins {
		since := l.Since
		if since.IsZero() {
			since = now
		}
		c.put(l.Device, login{user: l.User, profile: l.Profile, since: since, expires: l.Expires, emcc: l.EMCC != nil && *l.EMCC})
	}
	last := maps.Clone(st.LastLogins)
	if last == nil {
		last = map[string]string{}
	}
	for _, l := range st.Logins {
		if _, ok := last[l.Device]; !ok {
			last[l.Device] = l.User
		}
	}
	c.last = last
	c.history = maps.Clone(st.CallHistories)
	if c.history == nil {
		c.history = map[string]int{}
	}
}
