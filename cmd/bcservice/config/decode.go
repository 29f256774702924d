package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Overrides are values given on the command line or in the environment;
// non-empty ones replace the file's.
type Overrides struct {
	Listen, LogLevel, LogFormat string
}

// Load reads the file at path, applies the overrides and defaults and
// validates. The error lists every problem found (a *Problems after the
// file name), so that one run shows them all.
func Load(path string, o Overrides) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(data)
	if cfg == nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var problems Problems
	errors.As(err, &problems)
	cfg.override("listen", &cfg.Listen, o.Listen)
	cfg.override("log.level", &cfg.Log.Level, o.LogLevel)
	cfg.override("log.format", &cfg.Log.Format, o.LogFormat)
	problems = append(problems, cfg.problems()...)
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s: %w", path, problems.sorted())
	}
	return cfg, nil
}

// override replaces *p with v when v is set; the key then no longer points at
// a line of the file.
func (c *Config) override(key string, p *string, v string) {
	if v == "" {
		return
	}
	*p = v
	delete(c.lines, key)
}

// Parse decodes a YAML configuration and applies defaults; it does not
// validate, so that overrides can be applied before Validate. It returns nil
// and the error when data is not YAML at all; otherwise the Config, and
// Problems for the keys whose value could not be decoded (those keep their
// default, so that Validate can still judge the rest).
func Parse(data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty configuration")
		}
		return nil, err
	}
	cfg := &Config{set: map[string]bool{}, lines: map[string]int{}}
	d := decoder{cfg: cfg}
	if len(doc.Content) == 0 {
		return nil, errors.New("empty configuration")
	}
	d.fields(doc.Content[0], "", reflect.ValueOf(cfg).Elem())
	cfg.ApplyDefaults()
	if len(d.problems) > 0 {
		return cfg, d.problems
	}
	return cfg, nil
}

// decoder fills a Config from a YAML node tree one key at a time, so that a
// value of the wrong type is reported with its key and line and does not hide
// the other keys. It records which keys are present (absent keys take their
// default, present ones keep even a zero) and where.
type decoder struct {
	cfg      *Config
	problems Problems
}

var durationType = reflect.TypeFor[time.Duration]()

func (d *decoder) bad(key string, n *yaml.Node, format string, args ...any) {
	d.problems = append(d.problems, Problem{Key: key, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
}

// fields decodes mapping n into struct v, whose fields name their keys in
// yaml tags. A key that names no field is a problem (unknownKey): a
// misspelt key would otherwise be dropped in silence and its setting lost.
func (d *decoder) fields(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		if path == "" {
			path = "configuration"
		}
		d.bad(path, n, "%s is not a mapping of keys", show(n))
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		f, ok := fieldByTag(v, k.Value)
		if !ok || k.Kind != yaml.ScalarNode {
			d.unknownKey(path, k, v.Type())
			continue
		}
		key := k.Value
		if path != "" {
			key = path + "." + key
		}
		// yaml.v3 keeps both of two equal keys in a node; the second would
		// silently win over the first.
		if first, dup := d.cfg.lines[key]; dup {
			d.bad(key, k, "given twice (first on line %d)", first)
			continue
		}
		d.cfg.lines[key] = k.Line
		d.value(val, key, f)
	}
}

// value decodes n into v and marks key present, unless n is null (an empty
// value counts as absent) or of the wrong type (reported).
func (d *decoder) value(n *yaml.Node, key string, v reflect.Value) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.ShortTag() == "!!null" {
		return
	}
	switch {
	case v.Type() == durationType:
		if !d.duration(n, key, v) {
			return
		}
	case v.Kind() == reflect.Struct:
		d.fields(n, key, v)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		if n.Kind != yaml.SequenceNode {
			d.bad(key, n, "%s is not a list", show(n))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content)))
		for i, e := range n.Content {
			ek := fmt.Sprintf("%s[%d]", key, i)
			d.cfg.lines[ek] = e.Line
			d.value(e, ek, v.Index(i))
		}
	default:
		if n.Kind == yaml.SequenceNode {
			for i, e := range n.Content {
				d.cfg.lines[fmt.Sprintf("%s[%d]", key, i)] = e.Line
			}
		}
		if err := n.Decode(v.Addr().Interface()); err != nil {
			d.bad(key, n, "%s is not %s", show(n), describe(v.Type()))
			return
		}
	}
	d.cfg.set[key] = true
}

// duration decodes a Go duration with a unit. A bare number is refused
// rather than read as nanoseconds (or seconds): the reader cannot tell which
// was meant.
func (d *decoder) duration(n *yaml.Node, key string, v reflect.Value) bool {
	if n.Kind != yaml.ScalarNode {
		d.bad(key, n, "%s is not a duration: write one with a unit, e.g. 5s or 500ms", show(n))
		return false
	}
	if tag := n.ShortTag(); tag == "!!int" || tag == "!!float" {
		d.bad(key, n, "%s has no unit: write e.g. %ss or %sms", n.Value, n.Value, n.Value)
		return false
	}
	dur, err := time.ParseDuration(n.Value)
	if err != nil {
		d.bad(key, n, "%q is not a duration: write one with a unit, e.g. 5s or 500ms", n.Value)
		return false
	}
	v.SetInt(int64(dur))
	return true
}

// fieldByTag is the field of struct v whose yaml tag is name.
func fieldByTag(v reflect.Value, name string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == name && t.Field(i).IsExported() {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// show describes a node for a problem text.
func show(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.ShortTag() == "!!str" {
		return fmt.Sprintf("%q", n.Value)
	}
	return n.Value
}

// describe names what a value of type t must look like.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "a whole number"
	case reflect.String:
		return "a string"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(describe(t.Elem()), "a ") + "s"
	}
	return "a " + t.String()
}

// clusterKey is the key of a cluster's setting, e.g. clusters[1].timeout.
func clusterKey(i int, name string) string {
	return fmt.Sprintf("clusters[%d].%s", i, name)
}
