package topology

import (
	"fmt"
	"strings"

	"github.com/emconnector/emconnector/service/didyoumean"
	"gopkg.in/yaml.v3"
)

// The keys of each section of the format (cmd/cucmsim/README.md, "Topology format"), in the order the
// format lists them; a suggestion ties to the earlier one. errorTexts and latency are not
// sections: their keys are codes and operations, checked by their own decoders.
var (
	mainDocKeys  = []string{"clusters"}
	extraDocKeys = []string{"cluster", "profiles", "users", "devices"}
	clusterKeys  = []string{"code", "name", "nodes", "policy", "appUsers", "users", "profiles", "devices"}
	nodeKeys     = []string{"name", "listen"}
	policyKeys   = []string{"multipleLogin", "maxConcurrentRequests", "maxLoginMinutes", "sameUserRelogin",
		"trustedIPs", "allowProxy", "emcc", "emApiRoaming", "wording", "errorTexts", "latency"}
	appUserKeys = []string{"id", "password", "emProxyRights", "mustChangePassword", "axlAccess"}
	userKeys    = []string{"id", "pin", "password", "profiles", "locked", "emcc"}
	profileKeys = []string{"name"}
	deviceKeys  = []string{"name", "model", "emEnabled", "emccCapable", "callHistory"}
)

// maxKeyShown bounds how much of an unknown key a message repeats.
const maxKeyShown = 64

// unknownKey reports key k of a section whose keys are known, at the key's line, with the
// nearest known key as a suggestion or, when none is near, the section's keys.
func (d *nodeDecoder) unknownKey(k *yaml.Node, known []string) {
	switch {
	case k.Kind == yaml.AliasNode:
		d.fail(k, "YAML aliases are not supported")
	case k.Kind != yaml.ScalarNode:
		d.fail(k, fmt.Sprintf("a key must be a name (known keys: %s)", strings.Join(known, ", ")))
	case k.Tag == "!!merge":
		d.fail(k, "YAML merge keys (<<) are not supported: write the keys out")
	default:
		name := k.Value
		if r := []rune(name); len(r) > maxKeyShown {
			name = string(r[:maxKeyShown]) + "…"
		}
		if near := didyoumean.Nearest(k.Value, known); near != "" {
			d.fail(k, fmt.Sprintf("unknown key %q (did you mean %q?)", name, near))
		} else {
			d.fail(k, fmt.Sprintf("unknown key %q (known keys: %s)", name, strings.Join(known, ", ")))
		}
	}
}
