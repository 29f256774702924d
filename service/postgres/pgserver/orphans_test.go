package pgserver

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestSweepOrphans(t *testing.T) {
	root := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{ // name -> owner file content ("" = none)
		"pgtest-dead":    strconv.Itoa(dead.Process.Pid),
		"pgtest-alive":   strconv.Itoa(os.Getpid()),
		"pgtest-noowner": "",
		"pgtest-garbage": "not a pid",
	}
	for name, content := range dirs {
		dir := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
			t.Fatal(err)
		}
		if content != "" {
			if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	var stopped []string
	n := sweepOrphans(filepath.Join(root, "pgtest-*"), func(data string) { stopped = append(stopped, data) })
	if n != 1 || len(stopped) != 1 || stopped[0] != filepath.Join(root, "pgtest-dead", "data") {
		t.Fatalf("swept %d, stopped %v; want only pgtest-dead", n, stopped)
	}
	for name := range dirs {
		_, err := os.Stat(filepath.Join(root, name))
		if gone := os.IsNotExist(err); gone != (name == "pgtest-dead") {
			t.Errorf("%s: removed = %v", name, gone)
		}
	}
}
