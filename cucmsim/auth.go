package cucmsim

import (
	"crypto/subtle"
	"strings"
)

// Principal is an authenticated EM API caller (the appID of a message).
type Principal struct {
	ID string
	// EndUser is true when an end user authenticated with its own password; it may then act
	// only for itself.
	EndUser bool
	// ProxyRights is the "Standard EM Authentication Proxy Rights" group membership of an
	// app user.
	ProxyRights bool
}

func secretEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

// AuthenticateApp checks appID/appCertificate against the cluster's app users, then its end
// users that have a password. Returns 3 `Could not authenticate 'APPID'` for an unknown ID or
// a wrong certificate (the certificate is never echoed) and 27 for an app user that must
// change its password (only once the password is right).
func (c *Cluster) AuthenticateApp(appID, certificate string) (Principal, error) {
	if a, ok := c.appUsers[fold(appID)]; ok {
		if !secretEqual(a.Password, certificate) {
			return Principal{}, authError(appID)
		}
		if a.MustChangePassword {
			return Principal{}, newError(CodeChangePassword)
		}
		return Principal{ID: a.ID, ProxyRights: a.EMProxyRights}, nil
	}
	if u, ok := c.user(appID); ok && u.Password != "" && secretEqual(u.Password, certificate) {
		return Principal{ID: u.ID, EndUser: true}, nil
	}
	return Principal{}, authError(appID)
}

// mayActFor returns 10 unless p may act on behalf of userID: app users need proxy rights,
// end users may act only for themselves.
func (p Principal) mayActFor(userID string) error {
	if p.EndUser {
		if !strings.EqualFold(userID, p.ID) {
			return newError(CodeNoProxyRights)
		}
		return nil
	}
	if !p.ProxyRights {
		return newError(CodeNoProxyRights)
	}
	return nil
}

// mayActForAll returns 10 unless p is an app user with proxy rights (cluster-wide operations).
func (p Principal) mayActForAll() error {
	if p.EndUser || !p.ProxyRights {
		return newError(CodeNoProxyRights)
	}
	return nil
}

// AuthenticateAXL reports whether appID/password is an app user of this cluster with AXL access
// (HTTP basic auth of /axl/). An app user that must change its password is refused too.
func (c *Cluster) AuthenticateAXL(appID, password string) bool {
	a, ok := c.appUsers[fold(appID)]
	return ok && a.AXLAccess && !a.MustChangePassword && secretEqual(a.Password, password)
}

// AuthenticateUserPIN is AXL doAuthenticateUser: it reports whether pin is the PIN of a user
// homed in this cluster. Returns 23 for a user the cluster does not home. A locked user, a
// user without a PIN and an empty pin never authenticate. An accepted PIN lets the user roam
// for a while (emApiRoaming afterPINCheck).
func (c *Cluster) AuthenticateUserPIN(userID, pin string) (bool, error) {
	u, ok := c.user(userID)
	if !ok {
		return false, newError(CodeUserNotFound)
	}
	if u.Locked || u.PIN == "" || pin == "" {
		return false, nil
	}
	if !secretEqual(u.PIN, pin) {
		return false, nil
	}
	c.model.pins.accepted(u.ID, c.model.Now().UnixNano())
	return true, nil
}
