package emclient

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/emconnector/emconnector/service"
)

// deadlinePassed is the answer when the request deadline passed before any node could be
// tried: 1011, unless the deadline cut off a busy retry, in which case CUCM's busy answer
// (26) is what the caller gets, as if the retry had not been attempted (a backoff can end
// just before the deadline, leaving the retry no time).
func (c *Client) deadlinePassed(lastBusy *Failure, a Auth) error {
	if lastBusy != nil {
		return c.emError(lastBusy, a)
	}
	return c.busy("deadline passed")
}

// retryRoom is the time a busy retry needs after its wait: a retry that the
// deadline cuts off in flight leaves the outcome unknown (1010), where giving
// up before it passes CUCM's 26 through, which is what the caller can act on.
const retryRoom = 100 * time.Millisecond

// backoff waits before the next busy retry; false when the wait and
// retryRoom would not end before ctx's deadline.
func (c *Client) backoff(ctx context.Context, attempt int) bool {
	d := c.busyBase
	for range attempt {
		d *= 2
		if d >= c.busyMax {
			d = c.busyMax
			break
		}
	}
	d = c.jitter(d)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d+retryRoom {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// emError turns a CUCM failure answer into a service error with CUCM's code.
// Code 0 and code-less failures become 1014: passing 0 through would read as
// success.
func (c *Client) emError(f *Failure, a Auth) error {
	text := sanitize(f.Text, a.AppCertificate)
	if !f.HasCode || f.Code == service.EMCodeUnknown {
		if text == "" {
			text = "Unknown Error"
		}
		return &service.Error{Code: service.CodeCUCMUnknownError, Text: "CUCM reported an error without a code: " + text, FromCUCM: true}
	}
	if text == "" {
		text = emText(f.Code)
	}
	return service.CUCMError(f.Code, text)
}

func (c *Client) unreachable(detail string) error {
	c.log.Debug("cluster unreachable", "detail", detail)
	return service.Errorf(service.CodeUnreachable, "CUCM cluster %s unreachable", c.code)
}

func (c *Client) busy(detail string) error {
	return service.Errorf(service.CodeBusy, "Service busy towards cluster %s: %s", c.code, detail)
}

func auth(c service.Credentials) Auth {
	return Auth{AppID: c.AppID, AppCertificate: c.AppCertificate}
}

func opTitle(op string) string {
	if op == "" {
		return op
	}
	return strings.ToUpper(op[:1]) + op[1:]
}

// sanitize makes CUCM's free text safe to show and log: no control
// characters, at most 200 characters, and never the certificate (a server
// that echoes it must not leak it through us).
func sanitize(text, secret string) string {
	if len(secret) >= 3 {
		text = strings.ReplaceAll(text, secret, "***")
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(text, ""))
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 200 {
		text = string(r[:200]) + "..."
	}
	return text
}

// emText is the spec's short text of an EM code, used when CUCM sends a code
// without text.
func emText(code int) string {
	switch code {
	case 1:
		return "Error on Parsing"
	case 2:
		return "Cannot authorize App user"
	case 3:
		return "Invalid App User"
	case 4:
		return "Policy Validation error"
	case 5, 22:
		return "Device logon disabled"
	case 6:
		return "Database Error"
	case 7:
		return "Logout Request Error"
	case 8:
		return "Query type undetermined"
	case 9:
		return "Dir. User Info Error"
	case 10:
		return "User lacks app proxy rights"
	case 11:
		return "Device does not exist"
	case 12:
		return "Dev. Profile not found"
	case 18:
		return "Another user logged in"
	case 19:
		return "No user logged in"
	case 20:
		return "Hoteling flag error"
	case 21:
		return "Hoteling Status error"
	case 23:
		return "User does not exist"
	case 25:
		return "User logged in elsewhere"
	case 26:
		return "Busy, please try again"
	case 27:
		return "Change Password"
	case 28:
		return "Untrusted IP Error"
	case 29:
		return "RIS down-contact admin"
	case 30:
		return "Proxy not allowed"
	}
	return fmt.Sprintf("EM error %d", code)
}
