package topology

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// maxErrors bounds how many problems one Parse reports, so a broken 100k-line file stays readable.
const maxErrors = 20

// validClusterCode keeps cluster codes usable in URLs and config files: 1-16 of [A-Za-z0-9_-].
func validClusterCode(code string) bool {
	if len(code) == 0 || len(code) > 16 {
		return false
	}
	for _, c := range code {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Error is one problem of a topology file, printed as "FILE:LINE: problem".
type Error struct {
	File    string
	Line    int
	Problem string
}

func (e *Error) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem) }

// Load reads and validates the topology file at path. The error, if any, joins one *Error per
// problem found (errors.As finds the first).
func Load(path string) (*Topology, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse decodes and validates a topology. file names the source in messages.
//
// Besides the contract's format (one YAML document with `clusters:`), Parse accepts two
// extensions that let large generated estates load fast (yaml.v3 costs about 1 µs per node):
//   - compact entries: a device or a profile may be a plain name, a user may be a flow sequence
//     `[id, pin, profile...]`;
//   - further YAML documents after the first, each `{cluster: CODE, profiles: [...], users: [...],
//     devices: [...]}`, append to that cluster; documents are parsed in parallel.
func Parse(file string, data []byte) (*Topology, error) {
	chunks := splitDocuments(data)
	parsed := make([]parsedDoc, len(chunks))
	var wg sync.WaitGroup
	for i, c := range chunks {
		wg.Go(func() { parsed[i] = parseChunk(file, c, i == 0) })
	}
	wg.Wait()

	errs := &errorList{file: file}
	topo := &Topology{File: file}
	sawMain := false
	for _, p := range parsed {
		errs.addAll(p.errs)
		switch {
		case p.main != nil:
			if sawMain {
				errs.add(p.line, "only the first document may hold \"clusters\"")
				continue
			}
			sawMain = true
			topo.Clusters = p.main
		case p.extra != nil:
			if !mergeExtra(topo, p.extra) {
				errs.add(p.extra.line, fmt.Sprintf("unknown cluster %q (declare it in the first document)", p.extra.code))
			}
		}
	}
	if !sawMain && len(errs.errs) == 0 {
		errs.add(1, "no clusters: the first document needs \"clusters:\"")
	}
	if sawMain {
		// Cross-entry rules run even after decoding problems, so one pass lists them all;
		// entries left without a name by a decoding problem are skipped there.
		validate(topo, errs)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return topo, nil
}

func mergeExtra(topo *Topology, x *extraDoc) bool {
	for i := range topo.Clusters {
		c := &topo.Clusters[i]
		if strings.EqualFold(c.Code, x.code) {
			c.Profiles = append(c.Profiles, x.profiles...)
			c.Users = append(c.Users, x.users...)
			c.Devices = append(c.Devices, x.devices...)
			return true
		}
	}
	return false
}

// chunk is one YAML document of the file; firstLine is the file line of its first line.
type chunk struct {
	data      []byte
	firstLine int
}

// splitDocuments cuts the stream at document markers. A line that starts with "---" followed
// by nothing or a blank is always a document start in YAML (it cannot occur inside a scalar),
// so the cut is exact and lets each document be parsed on its own core.
func splitDocuments(data []byte) []chunk {
	var chunks []chunk
	start, startLine, line := 0, 1, 1
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		next := len(data)
		if end >= 0 {
			next = pos + end + 1
		}
		l := data[pos:next]
		if pos > start && bytes.HasPrefix(l, []byte("---")) && (len(l) == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r') {
			chunks = append(chunks, chunk{data: data[start:pos], firstLine: startLine})
			start, startLine = pos, line
		}
		pos = next
		line++
	}
	return append(chunks, chunk{data: data[start:], firstLine: startLine})
}

type parsedDoc struct {
	line  int
	main  []Cluster
	extra *extraDoc
	errs  []*Error
}

type extraDoc struct {
	code     string
	line     int
	profiles []Profile
	users    []User
	devices  []Device
}

// parseChunk decodes one document: a later document in the compact subset of `gen` without
// yaml.v3 (decodeCompactDoc), anything else with it.
func parseChunk(file string, c chunk, first bool) parsedDoc {
	if !first {
		if x, ok := decodeCompactDoc(c); ok {
			return parsedDoc{line: c.firstLine, extra: x}
		}
	}
	return parseYAMLChunk(file, c, first)
}

// parseYAMLChunk decodes one document through a yaml.Node tree, which lives only until the
// document is converted.
func parseYAMLChunk(file string, c chunk, first bool) parsedDoc {
	out := parsedDoc{line: c.firstLine}
	d := &nodeDecoder{errs: &errorList{file: file}, offset: c.firstLine - 1, last: c.firstLine + bytes.Count(c.data, []byte("\n"))}
	var doc yaml.Node
	if err := yaml.Unmarshal(c.data, &doc); err != nil {
		line, problem := syntaxErrorLine(c.data, err)
		d.errs.add(d.offset+line, "invalid YAML: "+problem)
		out.errs = d.errs.errs
		return out
	}
	if len(doc.Content) == 0 {
		return out // empty document, e.g. before a leading "---"
	}
	root := doc.Content[0]
	if !d.expectKind(root, yaml.MappingNode, "a mapping") {
		out.errs = d.errs.errs
		return out
	}
	if _, ok := lookup(root, "clusters"); ok || first {
		out.main = d.mainDoc(root)
	} else {
		out.extra = d.extraDoc(root)
	}
	out.errs = d.errs.errs
	return out
}

// syntaxErrorLine finds the line of a YAML syntax error. yaml.v3 names the line where the
// enclosing block starts (a bad line 86 inside a cluster that starts at line 4 is "line 4"),
// so the line is found again as the shortest prefix of whole lines that fails to parse. The
// problem text keeps yaml's own line as the enclosing block's start.
func syntaxErrorLine(data []byte, err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	block := 0
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &block); scanErr == nil {
		msg = strings.TrimSpace(strings.TrimPrefix(msg, fmt.Sprintf("line %d:", block)))
	}
	ends := lineEnds(data)
	fails := func(n int) bool { // the first n lines fail to parse
		var v yaml.Node
		return yaml.Unmarshal(data[:ends[n-1]], &v) != nil
	}
	lo, hi := 1, len(ends) // fails(hi) holds: the whole document fails
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	if block > 0 && block < lo {
		msg += fmt.Sprintf(" (in the block that starts at line %d)", block)
	}
	return lo, msg
}

// lineEnds returns, for each line of data, the offset just past it.
func lineEnds(data []byte) []int {
	var ends []int
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		ends = append(ends, len(data))
	}
	return ends
}

// nodeDecoder turns yaml.Nodes into topology types, recording problems with file lines.
type nodeDecoder struct {
	errs   *errorList
	offset int
	// last is the file line of the document's last line: yaml.v3 places the
	// null node of a document that ends right after "---" one line further.
	last int
}

func (d *nodeDecoder) line(n *yaml.Node) int { return min(d.offset+n.Line, d.last) }

func (d *nodeDecoder) fail(n *yaml.Node, problem string) { d.errs.add(d.line(n), problem) }

func (d *nodeDecoder) expectKind(n *yaml.Node, kind yaml.Kind, what string) bool {
	if n.Kind == yaml.AliasNode {
		d.fail(n, "YAML aliases are not supported")
		return false
	}
	if n.Kind != kind {
		d.fail(n, "expected "+what)
		return false
	}
	return true
}

func lookup(m *yaml.Node, key string) (*yaml.Node, bool) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1], true
		}
	}
	return nil, false
}

// fields calls f for each key/value of a section mapping whose keys are known; any other key
// is a problem (unknownKey), so that a misspelt key does not silently leave its default.
func (d *nodeDecoder) fields(m *yaml.Node, known []string, f func(key string, v *yaml.Node)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" || !slices.Contains(known, k.Value) {
			d.unknownKey(k, known)
			continue
		}
		// yaml.v3 keeps both of two equal keys in a node; the second would silently win.
		if first, dup := seen[k.Value]; dup {
			d.fail(k, fmt.Sprintf("%s given twice (first on line %d)", k.Value, first))
			continue
		}
		seen[k.Value] = k.Line
		f(k.Value, m.Content[i+1])
	}
}

// entries calls f for each key/value of a mapping whose keys are data (errorTexts' codes,
// latency's operations), which its caller checks itself.
func (d *nodeDecoder) entries(m *yaml.Node, f func(key string, v *yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		f(m.Content[i].Value, m.Content[i+1])
	}
}

func (d *nodeDecoder) str(n *yaml.Node, key string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		if n.Tag != "!!null" {
			d.fail(n, fmt.Sprintf("%s: expected a string", key))
		}
		return ""
	}
	return n.Value
}

func (d *nodeDecoder) boolean(n *yaml.Node, key string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		d.fail(n, fmt.Sprintf("%s: expected true or false", key))
		return false
	}
	return n.Value == "true"
}

func (d *nodeDecoder) integer(n *yaml.Node, key string) int {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || err != nil {
		d.fail(n, fmt.Sprintf("%s: expected an integer", key))
		return 0
	}
	return v
}

func (d *nodeDecoder) strList(n *yaml.Node, key string) []string {
	if !d.expectKind(n, yaml.SequenceNode, key+": a list") {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, item := range n.Content {
		out = append(out, d.str(item, key))
	}
	return out
}

// each calls f for every item of a sequence.
func (d *nodeDecoder) each(n *yaml.Node, key string, f func(item *yaml.Node)) {
	if n.Tag == "!!null" {
		return
	}
	if !d.expectKind(n, yaml.SequenceNode, key+": a list") {
		return
	}
	for _, item := range n.Content {
		if d.errs.full() {
			return
		}
		f(item)
	}
}

func (d *nodeDecoder) mainDoc(root *yaml.Node) []Cluster {
	d.fields(root, mainDocKeys, func(string, *yaml.Node) {}) // clusters is looked up below
	cl, ok := lookup(root, "clusters")
	if !ok {
		d.fail(root, "missing \"clusters\"")
		return nil
	}
	var out []Cluster
	d.each(cl, "clusters", func(item *yaml.Node) {
		if d.expectKind(item, yaml.MappingNode, "a cluster mapping") {
			out = append(out, d.cluster(item))
		}
	})
	if len(out) == 0 && len(d.errs.errs) == 0 {
		d.fail(cl, "no clusters")
	}
	return out
}

func (d *nodeDecoder) extraDoc(root *yaml.Node) *extraDoc {
	x := &extraDoc{line: d.line(root)}
	d.fields(root, extraDocKeys, func(key string, v *yaml.Node) {
		switch key {
		case "cluster":
			x.code = d.str(v, key)
		case "profiles":
			d.each(v, key, func(n *yaml.Node) { x.profiles = append(x.profiles, d.profile(n)) })
		case "users":
			d.each(v, key, func(n *yaml.Node) { x.users = append(x.users, d.user(n)) })
		case "devices":
			d.each(v, key, func(n *yaml.Node) { x.devices = append(x.devices, d.device(n)) })
		}
	})
	if x.code == "" {
		d.fail(root, "a document after the first needs \"cluster: CODE\"")
	}
	return x
}

func (d *nodeDecoder) cluster(n *yaml.Node) Cluster {
	c := Cluster{Policy: DefaultPolicy(), Line: d.line(n)}
	d.fields(n, clusterKeys, func(key string, v *yaml.Node) {
		switch key {
		case "code":
			c.Code = d.str(v, key)
		case "name":
			c.Name = d.str(v, key)
		case "nodes":
			d.each(v, key, func(item *yaml.Node) {
				if !d.expectKind(item, yaml.MappingNode, "a node mapping") {
					return
				}
				nd := Node{line: d.line(item)}
				d.fields(item, nodeKeys, func(k string, v *yaml.Node) {
					switch k {
					case "name":
						nd.Name = d.str(v, k)
					case "listen":
						nd.Listen = d.str(v, k)
					}
				})
				if nd.Name == "" {
					d.fail(item, "node without a name")
				}
				if err := checkListen(nd.Listen); err != "" {
					d.fail(item, fmt.Sprintf("node %q: bad listen address %q: %s", nd.Name, nd.Listen, err))
				}
				c.Nodes = append(c.Nodes, nd)
			})
		case "policy":
			if d.expectKind(v, yaml.MappingNode, "a policy mapping") {
				d.policy(v, &c.Policy)
			}
		case "appUsers":
			d.each(v, key, func(item *yaml.Node) { c.AppUsers = append(c.AppUsers, d.appUser(item)) })
		case "users":
			d.each(v, key, func(item *yaml.Node) { c.Users = append(c.Users, d.user(item)) })
		case "profiles":
			d.each(v, key, func(item *yaml.Node) { c.Profiles = append(c.Profiles, d.profile(item)) })
		case "devices":
			d.each(v, key, func(item *yaml.Node) { c.Devices = append(c.Devices, d.device(item)) })
		}
	})
	if c.Code == "" {
		d.fail(n, "cluster without a code")
	}
	return c
}

func checkListen(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "want HOST:PORT"
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return "port must be 0..65535"
	}
	if host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil {
			return "host must be an IP address or localhost"
		}
	}
	return ""
}

// errorList collects problems up to maxErrors.
type errorList struct {
	file string
	errs []*Error
}

func (l *errorList) full() bool { return len(l.errs) >= maxErrors }

func (l *errorList) add(line int, problem string) {
	if !l.full() {
		l.errs = append(l.errs, &Error{File: l.file, Line: line, Problem: problem})
	}
}

func (l *errorList) addAll(errs []*Error) {
	for _, e := range errs {
		if !l.full() {
			l.errs = append(l.errs, e)
		}
	}
}

func (l *errorList) err() error {
	if len(l.errs) == 0 {
		return nil
	}
	// In file order, whichever pass found them.
	slices.SortStableFunc(l.errs, func(a, b *Error) int { return a.Line - b.Line })
	all := make([]error, len(l.errs), len(l.errs)+1)
	for i, e := range l.errs {
		all[i] = e
	}
	if l.full() {
		all = append(all, fmt.Errorf("%s: stopped after %d problems; fix these and validate again", l.file, maxErrors))
	}
	return errors.Join(all...)
}
