package dashboard

import (
	"io/fs"
	"net/http"
)

// staticFiles serves /static/… from the embedded files, and 404 for a
// directory: the file server would list it.
func staticFiles() http.Handler { return http.FileServerFS(filesOnly{staticFS}) }

// filesOnly is an fs.FS whose directories do not exist.
type filesOnly struct{ fsys fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		file.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return file, nil
}
