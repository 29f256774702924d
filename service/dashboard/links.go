package dashboard

import "net/url"

// Links built from a value (a device name, a user ID) escape it as one
// path segment, so that "a/b" links to /users/a%2Fb (the mux's {user}
// wildcard matches the escaped segment and PathValue unescapes it) and
// "../devices/X/logout" cannot step out of /users/.

// pathSegment escapes v as one path segment; "." and ".." become %2E and
// %2E%2E, which Go's mux does not fold.
func pathSegment(v string) string {
	switch v {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(v)
}

// devicePath is the path of v's device page, the base of its actions.
func devicePath(v string) string { return "/devices/" + pathSegment(v) }

// deviceURL links to v's device page. A browser folds a segment "." or
// ".." (escaped or not) and there is no page for "", so those link to the
// history filtered by the value instead.
func deviceURL(v string) string { return detailURL("/devices/", "device", v) }

// userURL links to v's user page, like deviceURL.
func userURL(v string) string { return detailURL("/users/", "user", v) }

func detailURL(prefix, param, v string) string {
	if v == "" || v == "." || v == ".." {
		return "/history?" + url.Values{param: {v}}.Encode()
	}
	return prefix + pathSegment(v)
}
