package dashboard

import (
	"crypto/rand"
	"encoding/base64"
)

// rand16 is a request id for an operator action: 16 random characters.
func rand16() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "dash-" + base64.RawURLEncoding.EncodeToString(b)
}
