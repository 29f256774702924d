package rundemo

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// repoRoot is the repository root, seen from this package's directory (where go test runs).
const repoRoot = "../.."

// markdownFiles lists every Markdown file of the repository (hidden directories and bin/
// aside), as paths relative to the root, in a stable order.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(name, ".") || name == "bin") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".md") {
			rel, err := filepath.Rel(repoRoot, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(files, "README.md") {
		t.Fatalf("no README.md among %v", files)
	}
	return files
}

// readDoc reads a Markdown file given relative to the repository root.
func readDoc(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fenced is one fenced code block: its info string (language) and its lines.
type fenced struct {
	info  string
	lines []string
}

// splitMarkdown separates a Markdown text into its fenced code blocks and the prose
// lines outside them (fences of three or more backticks, indented or not).
func splitMarkdown(text string) (prose []string, blocks []fenced) {
	var cur *fenced
	for _, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &fenced{info: strings.TrimSpace(strings.TrimLeft(trimmed, "`"))}
		case cur != nil && strings.HasPrefix(trimmed, "```"):
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.lines = append(cur.lines, line)
		default:
			prose = append(prose, line)
		}
	}
	return prose, blocks
}

var (
	headingLine = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	inlineCode  = regexp.MustCompile("`[^`\n]*`")
	inlineLink  = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	refLink     = regexp.MustCompile(`^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$`)
	htmlAnchor  = regexp.MustCompile(`<a\s+(?:name|id)="([^"]+)"`)
	mdLinkText  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// slug is GitHub's anchor of a heading: the text as rendered (code marks dropped, links
// reduced to their text), lower-cased, every character that is not a letter, a digit, a
// blank, '-' or '_' removed, blanks turned into '-'.
func slug(heading string) string {
	text := mdLinkText.ReplaceAllString(heading, "$1")
	text = strings.ReplaceAll(text, "`", "")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors lists the anchors of a Markdown text: each heading's slug, a repeated one with
// -1, -2… as GitHub numbers them, and explicit HTML anchors.
func anchors(text string) map[string]bool {
	prose, _ := splitMarkdown(text)
	out, seen := map[string]bool{}, map[string]int{}
	for _, line := range prose {
		if m := headingLine.FindStringSubmatch(line); m != nil {
			s := slug(m[1])
			n := seen[s]
			seen[s]++
			if n > 0 {
				s += "-" + strconv.Itoa(n)
			}
			out[s] = true
		}
		for _, m := range htmlAnchor.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
	}
	return out
}

// links lists the link targets of a Markdown text's prose (inline links and images, and
// reference definitions), code spans and fenced blocks left out.
func links(text string) []string {
	prose, _ := splitMarkdown(text)
	var out []string
	for _, line := range prose {
		if m := refLink.FindStringSubmatch(line); m != nil {
			out = append(out, m[1])
			continue
		}
		line = inlineCode.ReplaceAllString(line, "")
		for _, m := range inlineLink.FindAllStringSubmatch(line, -1) {
			out = append(out, m[1])
		}
	}
	return out
}

// TestMarkdownLinks: every relative link of every Markdown file names a file or directory
// that exists, and every #anchor one of the target's headings (GitHub's anchor rules).
func TestMarkdownLinks(t *testing.T) {
	files := markdownFiles(t)
	anchorsOf := map[string]map[string]bool{}
	for _, f := range files {
		anchorsOf[f] = anchors(readDoc(t, f))
	}
	external := regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
	checked := 0
	for _, f := range files {
		for _, target := range links(readDoc(t, f)) {
			if external.MatchString(target) {
				continue
			}
			checked++
			file, anchor, _ := strings.Cut(target, "#")
			resolved := f
			if file != "" {
				resolved = filepath.ToSlash(filepath.Join(filepath.Dir(f), file))
				if _, err := os.Stat(filepath.Join(repoRoot, filepath.FromSlash(resolved))); err != nil {
					t.Errorf("%s: link %q: no file %s", f, target, resolved)
					continue
				}
			}
			if anchor == "" {
				continue
			}
			if !strings.HasSuffix(resolved, ".md") {
				t.Errorf("%s: link %q: an anchor into a file that is not Markdown", f, target)
				continue
			}
			if !anchorsOf[resolved][anchor] {
				t.Errorf("%s: link %q: %s has no heading with the anchor #%s", f, target, resolved, anchor)
			}
		}
	}
	if checked < 50 {
		t.Errorf("only %d relative links checked: the link reader is broken", checked)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ heading, want string }{
		{"Quick start", "quick-start"},
		{"PIN design (roaming)", "pin-design-roaming"},
		{"Where bcservice's behaviour comes from", "where-bcservices-behaviour-comes-from"},
		{"make bench-history: the request history's scale", "make-bench-history-the-request-historys-scale"},
		{"`X-BC-Build` and [links](x.md)", "x-bc-build-and-links"},
		{"snake_case stays", "snake_case-stays"},
	}
	for _, tc := range tests {
		if got := slug(tc.heading); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.heading, got, tc.want)
		}
	}
}

// cli is what a built program's help says it accepts: its global flags and, per command,
// the command's flags.
type cli struct {
	global   map[string]bool
	commands map[string]map[string]bool
}

var (
	helpCommand = regexp.MustCompile(`^\s+([a-z][a-z0-9-]*)(?:, [a-z]+)*\s{2,}`)
	helpFlag    = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
)

// helpSections reads an urfave/cli/v2 help text: the command names listed under COMMANDS
// and the flag names under OPTIONS or GLOBAL OPTIONS (the flag column only).
func helpSections(help string) (commands []string, flags map[string]bool) {
	flags = map[string]bool{}
	section := ""
	for _, line := range strings.Split(help, "\n") {
		if line != "" && !strings.HasPrefix(line, " ") {
			section = strings.TrimSuffix(line, ":")
			continue
		}
		switch section {
		case "COMMANDS":
			if m := helpCommand.FindStringSubmatch(line + "  "); m != nil {
				commands = append(commands, m[1])
			}
		case "OPTIONS", "GLOBAL OPTIONS":
			column, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
			for _, m := range helpFlag.FindAllStringSubmatch(column, -1) {
				flags[m[1]] = true
			}
		}
	}
	return commands, flags
}

// readCLI runs bin --help and bin COMMAND --help for every command.
func readCLI(t *testing.T, bin string) cli {
	t.Helper()
	help := func(args ...string) string {
		out, err := exec.Command(bin, append(args, "--help")...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v --help: %v\n%s", bin, args, err, out)
		}
		return string(out)
	}
	commands, global := helpSections(help())
	c := cli{global: global, commands: map[string]map[string]bool{}}
	for _, name := range commands {
		if name == "help" {
			continue
		}
		_, c.commands[name] = helpSections(help(name))
	}
	return c
}

// documentedCommand is one command line of the Markdown files naming one of our programs.
type documentedCommand struct {
	where   string // file and what holds it
	program string
	args    []string
}

// commandBlock reports whether a fenced block holds command lines (shell or plain), not
// output (text), configuration or code.
func commandBlock(info string) bool {
	switch strings.Fields(info + " x")[0] {
	case "x", "sh", "bash", "shell", "console":
		return true
	}
	return false
}

// commandsIn finds the command lines in one line of a command block or one code span: the
// segments between |, ; and && whose first word is one of programs (or a path ending in
// it), after sudo, exec, env assignments, a $ prompt or go run.
func commandsIn(where, line string, programs []string) []documentedCommand {
	if i := strings.Index(" "+line, " #"); i >= 0 {
		line = line[:max(i-1, 0)]
	}
	var out []documentedCommand
	for _, seg := range regexp.MustCompile(`\\?\||;|&&`).Split(line, -1) {
		fields := strings.Fields(seg)
		for len(fields) > 0 && (slices.Contains([]string{"$", "sudo", "exec", "env"}, fields[0]) ||
			assignment.MatchString(fields[0])) {
			fields = fields[1:]
		}
		if len(fields) > 1 && fields[0] == "go" && fields[1] == "run" {
			fields = fields[2:]
		}
		if len(fields) == 0 {
			continue
		}
		base := fields[0][strings.LastIndex(fields[0], "/")+1:]
		if slices.Contains(programs, base) {
			out = append(out, documentedCommand{where: where, program: base, args: fields[1:]})
		}
	}
	return out
}

// documentedCommands lists every command line of every Markdown file that runs one of
// programs: in command blocks, and in code spans of the prose.
func documentedCommands(t *testing.T, programs []string) []documentedCommand {
	t.Helper()
	var out []documentedCommand
	for _, f := range markdownFiles(t) {
		prose, blocks := splitMarkdown(readDoc(t, f))
		for _, b := range blocks {
			if !commandBlock(b.info) {
				continue
			}
			for _, line := range b.lines {
				out = append(out, commandsIn(f+": "+strings.TrimSpace(line), line, programs)...)
			}
		}
		for _, line := range prose {
			for _, span := range inlineCode.FindAllString(line, -1) {
				span = strings.Trim(span, "`")
				out = append(out, commandsIn(f+": `"+span+"`", span, programs)...)
			}
		}
	}
	return out
}

// TestCommandExamplesMatchTheCLI: every bcservice, cucmsim and bcbench command line the
// Markdown files show names a command the built program has, and only flags that command
// (or, without a command, the program) accepts.
func TestCommandExamplesMatchTheCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the programs")
	}
	programs := []string{"bcservice", "cucmsim", "bcbench"}
	bin := t.TempDir()
	clis := map[string]cli{}
	for _, name := range programs {
		path := filepath.Join(bin, name)
		out, err := exec.Command("go", "build", "-o", path, "github.com/emconnector/emconnector/cmd/"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
		clis[name] = readCLI(t, path)
	}
	word := regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	cmds := documentedCommands(t, programs)
	for _, c := range cmds {
		prog := clis[c.program]
		// The examples name the command right after the program; flags before any command
		// are the program's own.
		flags, command := prog.global, ""
		for i, arg := range c.args {
			arg = strings.Trim(arg, "[]'\"")
			switch {
			case strings.HasPrefix(arg, "--"):
				name, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
				if name != "help" && !flags[name] {
					t.Errorf("%s\n\t%s %s has no flag --%s", c.where, c.program, command, name)
				}
			case i == 0 && len(prog.commands) > 0 && word.MatchString(arg):
				f, ok := prog.commands[arg]
				if !ok {
					t.Errorf("%s\n\t%s has no command %q", c.where, c.program, arg)
					f = map[string]bool{}
				}
				flags, command = f, arg
			}
		}
	}
	for _, name := range programs {
		if !slices.ContainsFunc(cmds, func(c documentedCommand) bool { return c.program == name }) {
			t.Errorf("no %s command line found in the Markdown files: the reader is broken", name)
		}
	}
}

func TestCommandsIn(t *testing.T) {
	programs := []string{"bcservice", "cucmsim", "bcbench"}
	tests := []struct {
		line string
		want []string // program and arguments of each command found
	}{
		{"bcservice check-config FILE   # prints config OK", []string{"bcservice check-config FILE"}},
		{"bin/cucmsim gen --devices 1 --out F", []string{"cucmsim gen --devices 1 --out F"}},
		{"make build && go run ./cmd/bcbench --bin bin", []string{"bcbench --bin bin"}},
		{"echo 'pw' \\| bcservice hash-password", []string{"bcservice hash-password"}},
		{"sudo env BC_CONFIG=x bcservice serve", []string{"bcservice serve"}},
		{"backend bcservice_api", nil},
		// Output that starts with a program name is read too: such blocks are fenced as text.
		{"bcservice against the reference hop", []string{"bcservice against the reference hop"}},
		{"two bcservice replicas", nil},
		{"go run ./cmd/bchistbench --rows 5", nil},
		{"# cucmsim serve --nothing", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, c := range commandsIn("", tc.line, programs) {
			got = append(got, strings.Join(append([]string{c.program}, c.args...), " "))
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("commandsIn(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}
