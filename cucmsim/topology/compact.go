package topology

import (
	"bytes"
	"strings"
)

// decodeCompactDoc decodes a document after the first that is written entirely in the plain
// subset `cucmsim gen` writes, without yaml.v3:
//
//	---
//	cluster: C1
//	profiles:
//	  - UDP-USER000001
//	users:
//	  - [USER000001, "1234", UDP-USER000001]
//	devices:
//	  - SEP000000000001
//
// yaml.v3 builds a yaml.Node of about 150 bytes per scalar and sequence, which made loading
// the 100k benchmark topology peak at 230 MB; this keeps only the decoded entries, whose
// strings are substrings of one copy of the document.
//
// The subset is recognised, never approximated: ok is false as soon as a line falls outside
// it (comments after a value, quotes other than simple double quotes, tabs, CR, anchors, tags,
// flow mappings, multi-line scalars, null-like words, unknown or repeated keys, a user with
// fewer than two fields, a missing cluster, ...), and the caller then parses the document with
// yaml.v3, which gives the same result or the same FILE:LINE error as before. Whatever is
// accepted decodes exactly as yaml.v3 would decode it (TestCompactDocMatchesYAML).
//
// Unknown keys are refused by that route: the compact reader knows only cluster, profiles,
// users and devices and hands any other key to yaml.v3, whose decoder reports it with its
// line and the nearest known key (keys.go). The fast path stays as fast as before, and the
// message exists once.
func decodeCompactDoc(c chunk) (x *extraDoc, ok bool) {
	if bytes.ContainsFunc(c.data, notPrintableASCII) {
		// CR, tabs, control characters (which yaml.v3 refuses even in a comment) and
		// anything beyond ASCII are left to yaml.v3.
		return nil, false
	}
	doc := string(c.data) // one copy; every name below is a substring of it
	x = &extraDoc{}
	seen := map[string]bool{}
	list := ""       // the list key whose items follow ("" before any)
	itemIndent := -1 // indentation of that list's items, -1 before its first item
	i := -1
	for line := range strings.Lines(doc) {
		i++
		line = strings.TrimSuffix(line, "\n")
		lineNo := c.firstLine + i
		content := strings.TrimLeft(line, " ")
		indent := len(line) - len(content)
		switch {
		case i == 0 && strings.HasPrefix(line, "---"):
			if strings.TrimRight(line[3:], " ") != "" {
				return nil, false
			}
		case strings.TrimRight(content, " ") == "", content[0] == '#':
			// Blank line or whole-line comment: nothing to decode.
		case strings.HasPrefix(content, "- "):
			if list == "" || (itemIndent >= 0 && indent != itemIndent) {
				return nil, false
			}
			itemIndent = indent
			item := strings.TrimRight(content[2:], " ")
			switch list {
			case "profiles":
				name, ok := compactScalar(item)
				if !ok || name == "" {
					return nil, false
				}
				x.profiles = append(x.profiles, Profile{Name: name, line: lineNo})
			case "devices":
				name, ok := compactScalar(item)
				if !ok || name == "" {
					return nil, false
				}
				x.devices = append(x.devices, Device{Name: name, EMEnabled: true, EMCCCapable: true, line: lineNo})
			case "users":
				parts, ok := compactFlowList(item)
				if !ok || len(parts) < 2 || parts[0] == "" {
					return nil, false
				}
				x.users = append(x.users, User{ID: parts[0], PIN: parts[1], Profiles: parts[2:], EMCC: true, line: lineNo})
			}
		case indent == 0:
			key, value, found := strings.Cut(content, ":")
			if !found || seen[key] || (value != "" && value[0] != ' ') {
				return nil, false
			}
			seen[key] = true
			if x.line == 0 {
				x.line = lineNo // yaml.v3 places the document's mapping on its first key
			}
			value = strings.Trim(value, " ")
			switch key {
			case "cluster":
				code, ok := compactScalar(value)
				if !ok || code == "" {
					return nil, false
				}
				x.code, list = code, ""
			case "profiles", "users", "devices":
				if value != "" {
					return nil, false
				}
				list, itemIndent = key, -1
			default:
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if x.code == "" {
		return nil, false
	}
	return x, true
}

// notPrintableASCII is true for every rune but a line feed and printable ASCII.
func notPrintableASCII(r rune) bool { return r != '\n' && (r < 0x20 || r > 0x7e) }

// compactScalar accepts a plain scalar of name characters that YAML reads as itself and not
// as null, or a double-quoted scalar of printable ASCII without escapes, and returns its value.
func compactScalar(s string) (string, bool) {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		inner := s[1 : len(s)-1]
		for i := 0; i < len(inner); i++ {
			if c := inner[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				return "", false
			}
		}
		return inner, true
	}
	if s == "" || !isNameStart(s[0]) {
		return "", false
	}
	for i := 1; i < len(s); i++ {
		if !isNameStart(s[i]) && !strings.ContainsRune(".-@+/", rune(s[i])) {
			return "", false
		}
	}
	switch s {
	case "null", "Null", "NULL":
		return "", false
	}
	return s, true
}

func isNameStart(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
}

// compactFlowList accepts `[a, "b", c]` of compactScalar items (no empty items, no trailing
// comma) and returns the values.
func compactFlowList(s string) ([]string, bool) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	fields := strings.Split(s[1:len(s)-1], ",")
	out := make([]string, len(fields))
	for i, f := range fields {
		v, ok := compactScalar(strings.Trim(f, " "))
		if !ok {
			return nil, false
		}
		out[i] = v
	}
	return out, true
}
