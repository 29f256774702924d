package cucmsim

import (
	"net/netip"
	"slices"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// MaxExclusiveMinutes is the largest exclusiveDuration/time the API accepts (one week, like
// CUCM's 168:00 maximum login time).
const MaxExclusiveMinutes = 10080

// LoginRequest is an EM <login>.
type LoginRequest struct {
	Device string
	User   string
	// Profile is the device profile; empty means the user's default (first) profile.
	Profile string
	// TimeSet says exclusiveDuration/time was given; Minutes is then its value. Omitted
	// exclusiveDuration and <indefinite/> both mean no limit of the request's own.
	TimeSet bool
	Minutes int
	// RemoteIP is remoteIPAddr; empty when absent.
	RemoteIP string
	// ViaProxy is isViaHeaderSet.
	ViaProxy bool
}

// Login logs r.User into r.Device following design.md "Login rules", in order:
// 10 (caller may not act for the user), 2 (blank user), 11 (blank or unknown device),
// 22 (EM disabled on the device), 23 (user unknown to the whole topology, or homed on another
// cluster that this one may not roam: emApiRoaming; otherwise that makes this an EMCC login), 4 (user locked), 12 (profile unknown, or the user
// has none), 28 (remoteIPAddr not trusted), 30 (via a proxy, not allowed), 18 (device occupied;
// the same user gets 0 with sameUserRelogin: success), 36/31/32/37 (EMCC checks), 25 (user on
// another device, multipleLogin: not-allowed; auto-logout removes those logins instead),
// 1 (exclusiveDuration/time outside 1..10080). Nothing changes unless it returns nil.
func (c *Cluster) Login(p Principal, r LoginRequest) error {
	if err := p.mayActFor(r.User); err != nil {
		return err
	}
	if r.User == "" {
		return newError(CodeCannotAuthorize)
	}
	dev, ok := c.device(r.Device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	if !dev.EMEnabled {
		return newError(CodeLogonDisabled)
	}
	user, home := c.homeOf(r.User)
	if user == nil || home != c && !c.mayRoam(user.ID) {
		return newError(CodeUserNotFound)
	}
	if user.Locked {
		return newError(CodePolicyValidation)
	}
	profile, err := home.profileFor(user, r.Profile)
	if err != nil {
		return err
	}
	if err := c.checkOrigin(r.RemoteIP, r.ViaProxy); err != nil {
		return err
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	if cur, occupied := c.current(dev.Name, now); occupied {
		if cur.user != user.ID || c.policy.SameUserRelogin != topology.SameUserReloginSuccess {
			return newError(CodeAnotherUserLoggedIn)
		}
	}
	emcc := home != c
	if emcc {
		switch {
		case !c.policy.EMCC || !home.policy.EMCC:
			return newError(CodeNoRemoteCluster)
		case !user.EMCC:
			return newError(CodeEMCCNotActivated)
		case !dev.EMCCCapable:
			return newError(CodeDeviceNotEMCC)
		}
		if _, dup := home.device(r.Device); dup {
			return newError(CodeDuplicateDeviceName)
		}
	}
	others := slices.DeleteFunc(c.devicesOf(user.ID, now), func(d string) bool { return d == dev.Name })
	if len(others) > 0 && c.policy.MultipleLogin == topology.MultipleLoginNotAllowed {
		return newError(CodeLoggedInElsewhere)
	}
	if r.TimeSet && (r.Minutes < 1 || r.Minutes > MaxExclusiveMinutes) {
		return newError(CodeParse)
	}
	if c.policy.MultipleLogin == topology.MultipleLoginAutoLogout {
		for _, d := range others {
			c.remove(d)
		}
	}
	c.put(dev.Name, login{user: user.ID, profile: profile, since: now, expires: c.expiry(now, r.TimeSet, r.Minutes), emcc: emcc})
	return nil
}

// profileFor returns the configured name of the profile a login of user uses: the named one,
// looked up among this (the home) cluster's profiles (like CUAE-era CUCM, one not associated
// with the user is still accepted), or the user's default. Returns 12 when there is none.
func (c *Cluster) profileFor(user *topology.User, name string) (string, error) {
	if name == "" {
		if len(user.Profiles) == 0 {
			return "", newError(CodeProfileNotFound)
		}
		return user.Profiles[0], nil
	}
	p, ok := c.profile(name)
	if !ok {
		return "", newError(CodeProfileNotFound)
	}
	return p, nil
}

// expiry combines the request's minutes with the cluster's maximum login time: the smaller
// limit wins, and an enforced maximum also bounds indefinite logins. Zero means no expiry.
func (c *Cluster) expiry(now time.Time, timeSet bool, minutes int) time.Time {
	limit := 0
	if timeSet {
		limit = minutes
	}
	if m := c.policy.MaxLoginMinutes; m > 0 && (limit == 0 || m < limit) {
		limit = m
	}
	if limit == 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(limit) * time.Minute)
}

// checkOrigin applies the Trusted List of IPs (28) and Allow Proxy (30) parameters.
func (c *Cluster) checkOrigin(remoteIP string, viaProxy bool) error {
	if remoteIP != "" && len(c.policy.TrustedIPs) > 0 {
		addr, err := netip.ParseAddr(remoteIP)
		trusted := err == nil && slices.ContainsFunc(c.policy.TrustedIPs, func(p netip.Prefix) bool { return p.Contains(addr.Unmap()) })
		if !trusted {
			return newError(CodeUntrustedIP)
		}
	}
	if viaProxy && !c.policy.AllowProxy {
		return newError(CodeProxyNotAllowed)
	}
	return nil
}

// LogoutRequest is an EM <logout>.
type LogoutRequest struct {
	Device   string
	RemoteIP string
	ViaProxy bool
}

// Logout ends the login on r.Device. Returns 10 for an app user without proxy rights, 11 for
// a blank or unknown device, 5 when EM is disabled on it, 28/30 for an untrusted origin (the
// spec says these apply to logouts too), 19 when nobody is logged in, and 10 when an end user
// logs out a device it is not logged in on.
func (c *Cluster) Logout(p Principal, r LogoutRequest) error {
	if !p.EndUser && !p.ProxyRights {
		return newError(CodeNoProxyRights)
	}
	dev, ok := c.device(r.Device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	if !dev.EMEnabled {
		return newError(CodeLogoutDisabled)
	}
	if err := c.checkOrigin(r.RemoteIP, r.ViaProxy); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cur, ok := c.current(dev.Name, c.model.Now())
	if !ok {
		return newError(CodeNoUserLoggedIn)
	}
	if p.EndUser && cur.user != p.ID {
		return newError(CodeNoProxyRights)
	}
	c.remove(dev.Name)
	return nil
}

// LogoutAll removes every EM login of the cluster (EMCC logins included). Returns 10 unless
// the caller is an app user with proxy rights.
func (c *Cluster) LogoutAll(p Principal) error {
	if err := p.mayActForAll(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logins = map[string]login{}
	c.byUser = map[string][]string{}
	return nil
}
