package cucmsim

import (
	"cmp"
	"slices"
	"unicode/utf8"

	"github.com/emconnector/emconnector/cucmsim/axlsoap"
)

// ListPhones answers AXL listPhone: the devices whose name matches the LIKE pattern (any
// case), ordered by name so that skip/first pages are stable, then the page [skip,
// skip+first) (first 0: to the end). The description is empty: topologies have none.
func (c *Cluster) ListPhones(pattern string, skip, first int) []axlsoap.Phone {
	var matched []axlsoap.Phone
	for i, dev := range c.order {
		if axlsoap.Like(pattern, c.keys[i]) {
			matched = append(matched, axlsoap.Phone{Name: dev.Name, Model: dev.Model})
		}
	}
	slices.SortFunc(matched, func(a, b axlsoap.Phone) int { return cmp.Compare(fold(a.Name), fold(b.Name)) })
	if skip >= len(matched) {
		return nil
	}
	matched = matched[skip:]
	if first > 0 && first < len(matched) {
		matched = matched[:first]
	}
	for i := range matched {
		matched[i].UUID = c.DeviceUUID(matched[i].Name)
	}
	return matched
}

// maxLoggedPattern caps the listPhone pattern the request log keeps (the XML decoder already
// refused invalid UTF-8).
const maxLoggedPattern = 256

// clipPattern is p cut to maxLoggedPattern bytes on a rune boundary, marked with "…".
func clipPattern(p string) string {
	if len(p) <= maxLoggedPattern {
		return p
	}
	cut := maxLoggedPattern
	for cut > 0 && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut] + "…"
}
