package cucmsim

// codeAdvice says, for every EM code the simulator answers, what a client of the EM API
// should do when it gets it. The console shows it beside the code's text (/ui/codes.json);
// this map is its only source.
var codeAdvice = map[int]string{
	CodeUnknown:             "As a failure: unknown to CUCM; report it, retry at most once later.",
	CodeParse:               "Fix the request (form field xml, well-formed XML, valid time); do not retry unchanged.",
	CodeCannotAuthorize:     "Send a user ID; do not retry unchanged.",
	CodeInvalidAppUser:      "Fix the application user's ID or password in the configuration; retrying cannot help.",
	CodePolicyValidation:    "The user is locked or refused by policy: tell the user to ask an administrator.",
	CodeLogoutDisabled:      "Extension Mobility is off on the device: tell the user; an administrator must enable it.",
	CodeDatabase:            "Transient CUCM database error: retry later with backoff.",
	CodeLogoutRequest:       "The logout failed in CUCM: check the device's state with a query, then retry once.",
	CodeQueryUndetermined:   "Fix the request: the operation is not one EM knows.",
	CodeDirUserInfo:         "Directory lookup failed in CUCM: retry later; if it persists, report it to the administrator.",
	CodeNoProxyRights:       "Give the application user proxy rights (Standard EM Authentication Proxy Rights).",
	CodeDeviceNotFound:      "Check the device name; do not retry unchanged.",
	CodeProfileNotFound:     "Choose an existing device profile, or give the user one; do not retry unchanged.",
	CodeAnotherUserLoggedIn: "Someone else is on the phone: log them out first (if allowed) or choose another phone.",
	CodeNoUserLoggedIn:      "Nobody is logged in: treat a logout as already done.",
	CodeHotelingFlag:        "Hoteling failure in CUCM: retry later; if it persists, report it to the administrator.",
	CodeHotelingStatus:      "Hoteling status failure in CUCM: retry later; if it persists, report it.",
	CodeLogonDisabled:       "Extension Mobility is off on the device: tell the user; an administrator must enable it.",
	CodeUserNotFound:        "Check the user ID; do not retry unchanged.",
	CodeLoggedInElsewhere:   "The user is on another phone and multiple logins are not allowed: log out there first.",
	CodeBusy:                "CUCM is at its concurrent request limit: retry after a short, growing backoff.",
	CodeChangePassword:      "The application user's password has expired: change it in CUCM and in the configuration.",
	CodeUntrustedIP:         "The remote IP address is not trusted by CUCM: add it to the trusted list or send from a trusted host.",
	CodeRISDown:             "CUCM's Real-time Information Server is down: retry later; report it to the administrator.",
	CodeProxyNotAllowed:     "CUCM refuses requests through a proxy (Via header): send directly or allow proxies.",
	CodeEMCCNotActivated:    "EMCC is off for this user: an administrator must enable it, or log in at home.",
	CodeDeviceNotEMCC:       "The phone does not support EMCC: use another phone for a visiting user.",
	CodeNoDummyDevice:       "The home cluster has no free EMCC dummy device: retry later; the administrator must add some.",
	CodeVisitingClusterInfo: "The home cluster does not know the visiting cluster: the EMCC intercluster setup must be fixed.",
	CodeNoRemoteCluster:     "EMCC is not configured between these clusters: log in at home, or configure EMCC.",
	CodeDuplicateDeviceName: "The device name exists in both clusters: EMCC cannot log in there; rename one device.",
	CodeEMCCNotAllowed:      "EMCC is not allowed here: log in at home.",
}

// CodeAdvice is what a client should do with an EM code ("" for a code outside the table).
func CodeAdvice(code int) string { return codeAdvice[code] }
