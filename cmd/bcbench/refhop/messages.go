package refhop

import "encoding/xml"

// The reference hop's codec: the few shapes it reads and writes, declared the plain
// encoding/xml way (README.md, "Design").

// bcRequest is the Business Connector's xml parameter.
type bcRequest struct {
	XMLName        xml.Name `xml:"request"`
	AppID          string   `xml:"appID"`
	AppCertificate string   `xml:"appCertificate"`
}

// bcResponse is the Business Connector's answer to login, logout and getloggedinuser.
type bcResponse struct {
	XMLName xml.Name `xml:"response"`
	Result  bcResult `xml:"result"`
}

type bcResult struct {
	DeviceName string  `xml:"deviceName"`
	UserID     *string `xml:"userID,omitempty"` // nil: absent (logout); "" for nobody
	Code       int     `xml:"code"`
	Text       string  `xml:"text"`
}

// appInfo is the EM authentication block.
type appInfo struct {
	AppID          string `xml:"appID"`
	AppCertificate string `xml:"appCertificate"`
}

// emQuery is an EM deviceUserQuery.
type emQuery struct {
	XMLName xml.Name `xml:"query"`
	AppInfo appInfo  `xml:"appInfo"`
	Devices []string `xml:"deviceUserQuery>deviceName"`
}

// emRequest is an EM login or logout (exactly one of them is set).
type emRequest struct {
	XMLName xml.Name  `xml:"request"`
	AppInfo appInfo   `xml:"appInfo"`
	Login   *emLogin  `xml:"login"`
	Logout  *emLogout `xml:"logout"`
}

type emLogin struct {
	DeviceName string `xml:"deviceName"`
	UserID     string `xml:"userID"`
}

type emLogout struct {
	DeviceName string `xml:"deviceName"`
}

// emResponse is the part of an EM answer the reference hop maps.
type emResponse struct {
	XMLName xml.Name `xml:"response"`
	Failure *struct {
		Error struct {
			Code int    `xml:"code,attr"`
			Text string `xml:",chardata"`
		} `xml:"error"`
	} `xml:"failure"`
	DeviceUserResults *struct {
		Devices []struct {
			UserID *string `xml:"userID"`
		} `xml:"device"`
	} `xml:"deviceUserResults"`
}
