package dashboard

import "unicode"

// cell defuses a value a spreadsheet would run as a formula (cmd/bcservice/README.md,
// "Dashboard", "CSV export"): when its first character that is not a blank is one
// that starts a formula, it gets a leading apostrophe, which spreadsheets
// show as text. Blanks are skipped because spreadsheets skip them too
// (" =1+1" is a formula), and the full-width forms count because some
// spreadsheets fold them to their ASCII forms.
func cell(s string) string {
	for _, r := range s {
		if formulaStart(r) {
			return "'" + s
		}
		if !unicode.IsSpace(r) {
			return s
		}
	}
	return s
}

// formulaStart reports the characters a cell must not begin with: = + - @,
// a tab or a CR, and the full-width ＝ ＋ － ＠.
func formulaStart(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return true
	}
	return false
}
