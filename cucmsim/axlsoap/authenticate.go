package axlsoap

import "strings"

// UserNotFound is the faultstring CUCM sends for an unknown user.
const UserNotFound = "Item not valid: The specified User was not found"

// Request is a decoded doAuthenticateUser.
type Request struct {
	UserID string
	// PIN is a secret: it must never be logged or stored.
	PIN string
}

// Decode reads a SOAP envelope whose Body holds doAuthenticateUser{userid, pin}.
func Decode(body []byte) (Request, error) {
	c, err := parse(body)
	if err != nil || c.method != OpAuthenticateUser {
		return Request{}, errMalformed
	}
	return Request{UserID: strings.TrimSpace(c.fields["userid"]), PIN: c.fields["pin"]}, nil
}

// Response is the 200 answer of doAuthenticateUser.
func Response(authenticated bool) []byte {
	v := "false"
	if authenticated {
		v = "true"
	}
	return []byte(`<soapenv:Envelope xmlns:soapenv="` + envelopeNS + `"><soapenv:Body><ns:doAuthenticateUserResponse xmlns:ns="` + axlNS + `"><return><userAuthenticated>` +
		v + `</userAuthenticated><code>0</code><daysToExpiry>0</daysToExpiry><isWorkingPeriod>true</isWorkingPeriod></return></ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`)
}
