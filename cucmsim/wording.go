package cucmsim

import (
	"fmt"
	"strings"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// ErrorText is the text the cluster answers for code: the topology's errorTexts override
// ("{appID}" replaced by the request's appID) or the text of its wording. Texts never carry
// a secret: only the appID can be put in.
func (c *Cluster) ErrorText(code int, appID string) string {
	if t, ok := c.policy.ErrorTexts[code]; ok {
		return strings.ReplaceAll(t, "{appID}", appID)
	}
	return WordingText(c.policy.Wording, code, appID)
}

// WordingText is the text of code in wording w. devnet is the DevNet guide's table, with
// code 3 naming the appID as in its examples ("Invalid App User" when there is none); field
// is the wording public EM clients look for: codes 3, 18 and 22 differ, the rest is devnet's.
func WordingText(w topology.Wording, code int, appID string) string {
	if w == topology.WordingField {
		switch code {
		case CodeInvalidAppUser:
			return "DB Query Error: Application Authentication Error: Could not authenticate"
		case CodeAnotherUserLoggedIn:
			return "Phone currently has user logged in"
		case CodeLogonDisabled:
			return "Device does not allow hoteling"
		}
	}
	if code == CodeInvalidAppUser && appID != "" {
		return fmt.Sprintf("Could not authenticate '%s'", appID)
	}
	return CodeText(code)
}
