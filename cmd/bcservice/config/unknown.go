package config

import (
	"reflect"
	"strings"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/didyoumean"
	"gopkg.in/yaml.v3"
)

// unknownKey reports key k of the section at path (a struct of type t) that
// names none of its fields, with the nearest field's key as a suggestion,
// or the section's keys when none is near. The problem's key is the
// section ("configuration" at the top), its line the unknown key's.
//
// Only struct sections reach here: the configuration has no mapping whose
// keys are the user's data, so every key of every mapping is checked.
func (d *decoder) unknownKey(path string, k *yaml.Node, t reflect.Type) {
	section := path
	if section == "" {
		section = "configuration"
	}
	known := yamlKeys(t)
	switch {
	case k.Kind != yaml.ScalarNode:
		d.bad(section, k, "%s is not a key: keys are names (%s)", show(k), strings.Join(known, ", "))
	case k.Tag == "!!merge":
		// yaml.v3 leaves "<<" to the decoder; taking it as a key would drop
		// the merged settings without a word.
		d.bad(section, k, "YAML merge keys (<<) are not supported: write the keys out")
	default:
		name := service.Storable(k.Value, service.MaxNameBytes)
		if near := didyoumean.Nearest(k.Value, known); near != "" {
			d.bad(section, k, "unknown key %q (did you mean %q?)", name, near)
		} else {
			d.bad(section, k, "unknown key %q (known keys: %s)", name, strings.Join(known, ", "))
		}
	}
}

// yamlKeys lists the keys of struct type t in field order.
func yamlKeys(t reflect.Type) []string {
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); tag != "" && tag != "-" && t.Field(i).IsExported() {
			keys = append(keys, tag)
		}
	}
	return keys
}
