package dashboard

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var embedded embed.FS

// staticFS holds the files /static/… serves (staticFiles).
var staticFS fs.FS = embedded

// pages holds one template set per page: the layout plus the page, so
// the pages' blocks do not clash.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") },
	"ms":   func(d time.Duration) int64 { return d.Milliseconds() },
	// every href built from a value goes through one of these (links.go)
	"deviceURL":  deviceURL,
	"userURL":    userURL,
	"devicePath": devicePath,
	"dayURL":     dayURL,
	// the reports page's (reports.go)
	"local":   localTime,
	"hms":     seconds,
	"hmsf":    fracSeconds,
	"percent": percent,
}

func loadPages() (*pages, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &pages{byName: map[string]*template.Template{}}
	for _, n := range names {
		if n == "templates/layout.html" || n == "templates/rows.html" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/rows.html", n)
		if err != nil {
			return nil, err
		}
		p.byName[n[len("templates/"):]] = t
	}
	return p, nil
}

// view is what the layout sees: the signed-in user and the page's data.
type view struct {
	User User
	Data any
}

// render answers with a page; it renders into a buffer first so that a
// template error becomes a clean 500.
func (d *Dashboard) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := d.pages.byName[name].Execute(&buf, view{User: userFrom(r.Context()), Data: data}); err != nil {
		d.log.Error("dashboard: rendering a page", "page", name, "error", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type messageView struct {
	Title, Text string
}

func message(title, text string) messageView { return messageView{Title: title, Text: text} }

func opNames() []string {
	var out []string
	for _, op := range service.Operations() {
		out = append(out, string(op.Op))
	}
	return out
}

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
