package dashboard

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"

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

// authenticate finds the request's user from its session cookie or its
// HTTP Basic credentials; Retry-After is set when Basic credentials were
// refused by the throttle. err is the session store's failure.
func (d *Dashboard) authenticate(w http.ResponseWriter, r *http.Request) (u User, ok bool, err error) {
	if c, err := r.Cookie(cookieName); err == nil {
		name, live, err := d.sessions.Get(r.Context(), c.Value)
		if err != nil {
			return User{}, false, fmt.Errorf("reading the session: %w", err)
		}
		if u, known := d.users[name]; live && known {
			return u, true, nil
		}
	}
	if name, pw, ok := r.BasicAuth(); ok {
		u, ok := d.check(w, r, name, pw)
		return u, ok, nil
	}
	return User{}, false, nil
}

// check verifies a name and password under the throttle; on refusal it
// has answered 429 when throttled and returns false either way.
func (d *Dashboard) check(w http.ResponseWriter, r *http.Request, name, pw string) (User, bool) {
	client := d.clientIP(r).String()
	if wait := d.throttle.wait(name, client); wait > 0 {
		secs := int(wait.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		d.audit("signin", name, client, "throttled")
		return User{}, false
	}
	u, known := d.users[name]
	hash := d.dummy
	if known {
		hash = []byte(u.Hash)
	}
	// An unknown user costs one bcrypt comparison too.
	err := bcrypt.CompareHashAndPassword(hash, []byte(pw))
	if err != nil || !known {
		d.throttle.fail(name, client)
		d.audit("signin", name, client, "failed")
		return User{}, false
	}
	d.throttle.succeed(name, client)
	return u, true
}

func (d *Dashboard) audit(event, user, client, outcome string, args ...any) {
	d.log.Info("audit", append([]any{"event", "dashboard." + event, "user", user, "client", client, "outcome", outcome}, args...)...)
}

// page wraps a page handler: without a user it redirects to /signin; a
// user below role gets 403.
func (d *Dashboard) page(role string, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := d.authenticate(w, r)
		if err != nil {
			d.storeDown(w, r, err)
			return
		}
		if !ok {
			if w.Header().Get("Retry-After") != "" {
				d.render(w, r, http.StatusTooManyRequests, "message.html", message("Too many attempts", "Wait before signing in again."))
				return
			}
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if role == RoleOperator && u.Role != RoleOperator {
			d.render(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)), http.StatusForbidden, "message.html",
				message("Not allowed", "Only operators may do this."))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), userKey{}, u)))
	})
}

// api wraps a data handler: without a user it answers 401.
func (d *Dashboard) api(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, ok, err := d.authenticate(w, r)
		if err != nil {
			d.warnStore(err)
			writeJSON(w, http.StatusServiceUnavailable, apiError{Error: storeDownText})
			return
		}
		if !ok {
			status := http.StatusUnauthorized
			if w.Header().Get("Retry-After") != "" {
				status = http.StatusTooManyRequests
			} else {
				w.Header().Set("WWW-Authenticate", `Basic realm="bcservice dashboard", charset="UTF-8"`)
			}
			writeJSON(w, status, apiError{Error: http.StatusText(status)})
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

func (d *Dashboard) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	name, pw := r.PostFormValue("name"), r.PostFormValue("password")
	u, ok := d.check(w, r, name, pw)
	if !ok {
		status, msg := http.StatusUnauthorized, "Wrong name or password."
		if w.Header().Get("Retry-After") != "" {
			status, msg = http.StatusTooManyRequests, "Too many attempts: wait "+w.Header().Get("Retry-After")+" s."
		}
		d.render(w, r, status, "signin.html", signinView{Name: name, Error: msg})
		return
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
