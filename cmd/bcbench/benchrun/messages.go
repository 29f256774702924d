package benchrun

import (
	"encoding/xml"
	"fmt"
	"net/url"
)

// The benchmark has its own tiny codec for the few messages it sends (README.md, "Design"): it is a
// client of both binaries, like a customer's integration, and must not share their code.

// appInfo is the EM authentication block.
type appInfo struct {
	AppID          string `xml:"appID"`
	AppCertificate string `xml:"appCertificate"`
}

// deviceUserQuery is the EM query "who is on these devices?".
type deviceUserQuery struct {
	XMLName xml.Name `xml:"query"`
	AppInfo appInfo  `xml:"appInfo"`
	Devices []string `xml:"deviceUserQuery>deviceName"`
}

// emDeviceUserQueryForm returns the form body (xml=…) of a deviceUserQuery for one device.
func emDeviceUserQueryForm(app appInfo, device string) (string, error) {
	b, err := xml.Marshal(deviceUserQuery{AppInfo: app, Devices: []string{device}})
	if err != nil {
		return "", err
	}
	return url.Values{"xml": {string(b)}}.Encode(), nil
}

// emAction is an EM login or logout request (exactly one of them is set).
type emAction struct {
	XMLName xml.Name `xml:"request"`
	AppInfo appInfo  `xml:"appInfo"`
	Login   *struct {
		DeviceName string `xml:"deviceName"`
		UserID     string `xml:"userID"`
	} `xml:"login"`
	Logout *struct {
		DeviceName string `xml:"deviceName"`
	} `xml:"logout"`
}

// emLoginForm returns the form body (xml=…) of an EM login of user on device, with the
// user's default profile.
func emLoginForm(app appInfo, device, user string) (string, error) {
	a := emAction{AppInfo: app}
	a.Login = &struct {
		DeviceName string `xml:"deviceName"`
		UserID     string `xml:"userID"`
	}{device, user}
	return emForm(a)
}

// emLogoutForm returns the form body (xml=…) of an EM logout of device.
func emLogoutForm(app appInfo, device string) (string, error) {
	a := emAction{AppInfo: app}
	a.Logout = &struct {
		DeviceName string `xml:"deviceName"`
	}{device}
	return emForm(a)
}

func emForm(v any) (string, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return "", err
	}
	return url.Values{"xml": {string(b)}}.Encode(), nil
}

// checkEMSuccess returns nil if body is EM's `<response><success/></response>`.
func checkEMSuccess(body []byte) error {
	var r emResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("EM answer not XML")
	}
	switch {
	case r.Failure != nil:
		return fmt.Errorf("EM code %d", r.Failure.Error.Code)
	case r.Success == nil:
		return fmt.Errorf("EM answer without success")
	}
	return nil
}

// emResponse is the part of an EM answer the benchmark checks.
type emResponse struct {
	XMLName xml.Name  `xml:"response"`
	Success *struct{} `xml:"success"`
	Failure *struct {
		Error struct {
			Code int    `xml:"code,attr"`
			Text string `xml:",chardata"`
		} `xml:"error"`
	} `xml:"failure"`
	DeviceUserResults *struct {
		Devices []struct {
			Name         string    `xml:"name,attr"`
			UserID       *string   `xml:"userID"`
			None         *struct{} `xml:"none"`
			DoesNotExist *struct{} `xml:"doesNotExist"`
		} `xml:"device"`
	} `xml:"deviceUserResults"`
}

// checkDeviceUserNone returns nil if body answers a deviceUserQuery for device with nobody
// logged in (`<none/>`), the state the benchmark picked the device for. The error texts are
// short and the same for every device so that the load generator can tally them.
func checkDeviceUserNone(body []byte, device string) error {
	var r emResponse
	if err := xml.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("EM answer not XML")
	}
	switch {
	case r.Failure != nil:
		return fmt.Errorf("EM code %d", r.Failure.Error.Code)
	case r.DeviceUserResults == nil || len(r.DeviceUserResults.Devices) != 1:
		return fmt.Errorf("EM answer without one deviceUserResults/device")
	}
	d := r.DeviceUserResults.Devices[0]
	switch {
	case d.Name != device:
		return fmt.Errorf("EM answer for another device")
	case d.DoesNotExist != nil:
		return fmt.Errorf("EM device doesNotExist")
	case d.UserID != nil:
		return fmt.Errorf("EM device unexpectedly has a user")
	case d.None == nil:
		return fmt.Errorf("EM device result without none")
	}
	return nil
}

// bcRequest is the Business Connector's `xml` parameter.
type bcRequest struct {
	XMLName        xml.Name `xml:"request"`
	AppID          string   `xml:"appID"`
	AppCertificate string   `xml:"appCertificate"`
}

// bcForm returns the form body (xml=…) of a Business Connector API call.
func bcForm(app appInfo) (string, error) {
	b, err := xml.Marshal(bcRequest{AppID: app.AppID, AppCertificate: app.AppCertificate})
	if err != nil {
		return "", err
	}
	return url.Values{"xml": {string(b)}}.Encode(), nil
}

// bcResult is the Business Connector's answer to login, logout and getloggedinuser.
type bcResult struct {
	XMLName xml.Name `xml:"response"`
	Result  struct {
		DeviceName string  `xml:"deviceName"`
		UserID     *string `xml:"userID"`
		Code       int     `xml:"code"`
		Text       string  `xml:"text"`
	} `xml:"result"`
}

// checkBC returns nil if body is a Business Connector result with code 0 for device whose
// userID is wantUser (for getloggedinuser of a free device: present and empty; for login:
// the user; for logout: absent, pass "-" to skip the check).
func checkBC(body []byte, device, wantUser string) error {
	var r bcResult
	if err := xml.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("BC answer not XML")
	}
	switch {
	case r.Result.Code != 0:
		return fmt.Errorf("BC code %d", r.Result.Code)
	case r.Result.DeviceName != device:
		return fmt.Errorf("BC answer for another device")
	case wantUser == "-":
		return nil
	case r.Result.UserID == nil:
		return fmt.Errorf("BC answer without userID")
	case *r.Result.UserID != wantUser:
		return fmt.Errorf("BC answer with another userID")
	}
	return nil
}
