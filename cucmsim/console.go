package cucmsim

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

// consoleCSP allows the console's own files and nothing else: no inline script or style,
// no other origin (the console calls the control API on the same listener).
const consoleCSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"

//go:embed console
var consoleFiles embed.FS

var consolePage = template.Must(template.ParseFS(consoleFiles, "console/index.html"))

// consoleCode is an EM code the simulator answers, with the text of the devnet wording and
// what a client should do with it.
type consoleCode struct {
	Code   int    `json:"code"`
	Text   string `json:"text"`
	Advice string `json:"advice"`
}

// consoleData is what index.html is rendered from.
type consoleData struct {
	Clusters   []string
	Operations []string
	Codes      []consoleCode
	Presets    []consolePreset
}

// consoleCodes lists every EM code of the table with its meaning.
func consoleCodes() []consoleCode {
	out := make([]consoleCode, 0, len(Codes()))
	for _, c := range Codes() {
		out = append(out, consoleCode{Code: c, Text: CodeText(c), Advice: CodeAdvice(c)})
	}
	return out
}

// mountConsole serves the web console (cmd/cucmsim/README.md, "Console") under /ui/ of the
// control API's listener: the page, its embedded script and style, and /ui/codes.json.
func (s *Sim) mountConsole(mux *http.ServeMux) {
	page := s.renderConsole()
	static, err := fs.Sub(consoleFiles, "console")
	if err != nil {
		panic(err) // the embedded directory is part of the binary
	}
	files := http.StripPrefix("/ui/", http.FileServerFS(static))
	mux.Handle("GET /ui", http.RedirectHandler("/ui/", http.StatusMovedPermanently))
	mux.HandleFunc("GET /ui/{$}", func(w http.ResponseWriter, _ *http.Request) {
		consoleHeaders(w, "text/html; charset=utf-8")
		_, _ = w.Write(page)
	})
	mux.HandleFunc("GET /ui/codes.json", func(w http.ResponseWriter, _ *http.Request) {
		consoleHeaders(w, "")
		writeJSON(w, http.StatusOK, consoleCodes())
	})
	serveFile := func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("file") == "index.html" || r.PathValue("file") == "presets" { // the template itself, unrendered; no listing
			writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
			return
		}
		consoleHeaders(w, "")
		files.ServeHTTP(w, r)
	}
	mux.HandleFunc("GET /ui/{file}", serveFile)
	mux.HandleFunc("GET /ui/presets/{file}", serveFile) // the preset scenarios, console_presets.go
}

// renderConsole renders the page once: its data (clusters, operations, codes) comes from the
// topology and the code table, which do not change while the simulator runs.
func (s *Sim) renderConsole() []byte {
	data := consoleData{Operations: faultOperations()[1:], Codes: consoleCodes(), Presets: consolePresets}
	for _, rt := range s.clusters {
		data.Clusters = append(data.Clusters, rt.c.Code())
	}
	var buf bytes.Buffer
	if err := consolePage.Execute(&buf, data); err != nil {
		panic(err) // the template and its data are fixed; a failure is a bug caught by the tests
	}
	return buf.Bytes()
}

func consoleHeaders(w http.ResponseWriter, contentType string) {
	h := w.Header()
	h.Set("Content-Security-Policy", consoleCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-cache")
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
}
