package dashboard

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/emconnector/emconnector/service"
	"golang.org/x/crypto/bcrypt"
)

const cookieName = "bcdash_session"

type userKey struct{}

// userFrom returns the signed-in user of a request that passed page or api.
func userFrom(ctx context.Context) User {
	u, _ := ctx.Value(userKey{}).(User)
	return u
}

// clientIP is the address the access lists and the throttle judge.
func (d *Dashboard) clientIP(r *http.Request) netip.Addr {
	var peer netip.Addr
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		peer = ap.Addr()
	}
	if d.opts.Access == nil {
		return peer
	}
	return d.opts.Access.ClientIP(peer, r.Header.Values("X-Forwarded-For"))
}

func (d *Dashboard) allowed(r *http.Request) bool {
	return d.opts.Access == nil || d.opts.Access.Allowed(d.clientIP(r))
}

// attemptKind is what became of a request's credentials.
type attemptKind int

const (
	noCredentials attemptKind = iota
	accepted
	rejected  // wrong name or password
	throttled // refused by the throttle before bcrypt: 429
	busy      // refused because the bcrypt pool is full: 503
)

// attempt is a request's credentials judged; retry is the Retry-After in
// seconds of a throttled or busy one.
type attempt struct {
	kind  attemptKind
	retry string
}

// authenticate finds the request's user from its session cookie or its
// HTTP Basic credentials. err is the session store's failure.
func (d *Dashboard) authenticate(r *http.Request) (User, attempt, error) {
	if c, err := r.Cookie(cookieName); err == nil {
		name, live, err := d.sessions.Get(r.Context(), c.Value)
		if err != nil {
			return User{}, attempt{}, fmt.Errorf("reading the session: %w", err)
		}
		if u, known := d.users[name]; live && known {
			return u, attempt{kind: accepted}, nil
		}
	}
	if name, pw, ok := r.BasicAuth(); ok {
		u, a := d.check(r, name, pw)
		return u, a, nil
	}
	return User{}, attempt{}, nil
}

// check verifies a name and password: the throttle admits the attempt and
// counts it before bcrypt runs, in the bounded pool.
func (d *Dashboard) check(r *http.Request, name, pw string) (User, attempt) {
	client := d.clientIP(r).String()
	tk, wait, limit := d.throttle.reserve(name, client)
	if wait > 0 {
		d.audit("signin", name, client, "throttled", "limit", limit)
		return User{}, attempt{kind: throttled, retry: strconv.Itoa(int(wait.Seconds() + 0.999))}
	}
	u, known := d.users[name]
	hash := d.dummy
	if known {
		hash = []byte(u.Hash)
	}
	// An unknown user costs one bcrypt comparison too.
	match, err := d.hashes.check(r.Context(), hash, []byte(pw))
	if err != nil {
		d.throttle.cancel(tk)
		d.audit("signin", name, client, "busy")
		return User{}, attempt{kind: busy, retry: busyRetry}
	}
	if !match || !known {
		d.audit("signin", name, client, "failed")
		return User{}, attempt{kind: rejected}
	}
	d.throttle.succeeded(tk)
	return u, attempt{kind: accepted}
}

// audit logs a dashboard audit event; every value is capped
// (service.Storable), since names and devices come from the client.
func (d *Dashboard) audit(event, user, client, outcome string, args ...any) {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = service.Storable(s, service.MaxNameBytes)
		}
	}
	d.log.Info("audit", append([]any{"event", "dashboard." + event, "user", service.Storable(user, service.MaxNameBytes),
		"client", service.Storable(client, service.MaxNameBytes), "outcome", outcome}, args...)...)
}

// page wraps a page handler: without a user it redirects to /signin; a
// user below role gets 403.
func (d *Dashboard) page(role string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, a, err := d.authenticate(r)
		switch {
		case err != nil:
			d.storeDown(w, r, err)
			return
		case a.kind == throttled:
			w.Header().Set("Retry-After", a.retry)
			d.render(w, r, http.StatusTooManyRequests, "message.html", message("Too many attempts", "Wait before signing in again."))
			return
		case a.kind == busy:
			w.Header().Set("Retry-After", a.retry)
			d.render(w, r, http.StatusServiceUnavailable, "message.html", message("Dashboard busy", busyText))
			return
		case a.kind != accepted:
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), userKey{}, u))
		if role == RoleOperator && u.Role != RoleOperator {
			d.render(w, r, http.StatusForbidden, "message.html", message("Not allowed", "Only operators may do this."))
			return
		}
		h(w, r)
	})
}

// busyText is what a sign-in refused by the full bcrypt pool says.
const busyText = "Too many sign-ins at once: try again in a moment."

// api wraps a data handler: without a user it answers 401.
func (d *Dashboard) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, a, err := d.authenticate(r)
		switch {
		case err != nil:
			d.warnStore(err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{Error: storeDownText})
			return
		case a.kind == throttled:
			w.Header().Set("Retry-After", a.retry)
			writeJSON(w, http.StatusTooManyRequests, apiError{Error: http.StatusText(http.StatusTooManyRequests)})
			return
		case a.kind == busy:
			w.Header().Set("Retry-After", a.retry)
			writeJSON(w, http.StatusServiceUnavailable, apiError{Error: busyText})
			return
		case a.kind != accepted:
			w.Header().Set("WWW-Authenticate", `Basic realm="bcservice dashboard", charset="UTF-8"`)
			writeJSON(w, http.StatusUnauthorized, apiError{Error: http.StatusText(http.StatusUnauthorized)})
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

func (d *Dashboard) signinForm(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "signin.html", signinView{})
}

type signinView struct {
	Name, Error string
}

// signin checks the form's name and password and opens a fresh session;
// a session the browser already had ends, so that no token set before
// the sign-in outlives it.
func (d *Dashboard) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	name, pw := r.PostFormValue("name"), r.PostFormValue("password")
	u, a := d.check(r, name, pw)
	if a.kind != accepted {
		status, msg := http.StatusUnauthorized, "Wrong name or password."
		switch a.kind {
		case throttled:
			status, msg = http.StatusTooManyRequests, "Too many attempts: wait "+a.retry+" s."
		case busy:
			status, msg = http.StatusServiceUnavailable, busyText
		}
		if a.retry != "" {
			w.Header().Set("Retry-After", a.retry)
		}
		d.render(w, r, status, "signin.html", signinView{Name: name, Error: msg})
		return
	}
	if c, err := r.Cookie(cookieName); err == nil {
		if err := d.endSession(r, c.Value); err != nil {
			d.storeDown(w, r, err)
			return
		}
	}
	id, err := d.sessions.Create(r.Context(), u.Name)
	if err != nil {
		d.storeDown(w, r, fmt.Errorf("opening a session: %w", err))
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	d.audit("signin", u.Name, d.clientIP(r).String(), "ok", "role", u.Role)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (d *Dashboard) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := d.endSession(r, c.Value); err != nil {
			// The cookie stays: the session may still be live.
			d.storeDown(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// endSession deletes the session of token, auditing whose it was.
func (d *Dashboard) endSession(r *http.Request, token string) error {
	name, live, err := d.sessions.Get(r.Context(), token)
	if err != nil {
		return fmt.Errorf("reading the session: %w", err)
	}
	if err := d.sessions.Delete(r.Context(), token); err != nil {
		return fmt.Errorf("ending the session: %w", err)
	}
	if live {
		d.audit("signout", name, d.clientIP(r).String(), "ok")
	}
	return nil
}

// storeDownText is what a user sees when the session store fails.
const storeDownText = "The dashboard cannot reach its session store (the database); try again in a moment."

// storeDown answers 503 with a message page when the session store failed,
// rather than signing the user out.
func (d *Dashboard) storeDown(w http.ResponseWriter, r *http.Request, err error) {
	d.warnStore(err)
	d.render(w, r, http.StatusServiceUnavailable, "message.html", message("Dashboard unavailable", storeDownText))
}

// warnStore logs a session store failure; err never holds the token (the
// stores do not put it in their errors).
func (d *Dashboard) warnStore(err error) {
	d.log.Warn("dashboard: session store unavailable", "error", err)
}

// dummyHash is a hash of a random password at the cost of like, compared
// when the name is unknown.
func dummyHash(like string) ([]byte, error) {
	cost, err := bcrypt.Cost([]byte(like))
	if err != nil {
		return nil, err
	}
	return bcrypt.GenerateFromPassword([]byte(rand.Text()), cost)
}
