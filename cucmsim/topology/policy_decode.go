package topology

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func (d *nodeDecoder) policy(n *yaml.Node, p *Policy) {
	d.fields(n, policyKeys, func(key string, v *yaml.Node) {
		switch key {
		case "multipleLogin":
			switch s := MultipleLogin(d.str(v, key)); s {
			case MultipleLoginAllowed, MultipleLoginNotAllowed, MultipleLoginAutoLogout:
				p.MultipleLogin = s
			default:
				d.fail(v, fmt.Sprintf("unknown multipleLogin %q (want allowed, not-allowed or auto-logout)", s))
			}
		case "sameUserRelogin":
			switch s := SameUserRelogin(d.str(v, key)); s {
			case SameUserReloginError, SameUserReloginSuccess:
				p.SameUserRelogin = s
			default:
				d.fail(v, fmt.Sprintf("unknown sameUserRelogin %q (want error or success)", s))
			}
		case "maxConcurrentRequests":
			p.MaxConcurrentRequests = d.integer(v, key)
			if p.MaxConcurrentRequests < 1 || p.MaxConcurrentRequests > 10000 {
				d.fail(v, "maxConcurrentRequests must be 1..10000")
			}
		case "maxLoginMinutes":
			p.MaxLoginMinutes = d.integer(v, key)
			if p.MaxLoginMinutes < 0 || p.MaxLoginMinutes > 10080 {
				d.fail(v, "maxLoginMinutes must be 0..10080 (0 = no maximum)")
			}
		case "trustedIPs":
			for _, s := range d.strList(v, key) {
				pfx, err := netip.ParsePrefix(s)
				if err != nil {
					addr, aerr := netip.ParseAddr(s)
					if aerr != nil {
						d.fail(v, fmt.Sprintf("trustedIPs: %q is neither an IP address nor a prefix", s))
						continue
					}
					pfx = netip.PrefixFrom(addr, addr.BitLen())
				}
				p.TrustedIPs = append(p.TrustedIPs, pfx.Masked())
			}
		case "allowProxy":
			p.AllowProxy = d.boolean(v, key)
		case "wording":
			switch w := Wording(d.str(v, key)); w {
			case WordingDevNet, WordingField:
				p.Wording = w
			default:
				d.fail(v, fmt.Sprintf("unknown wording %q (want devnet or field)", w))
			}
		case "errorTexts":
			p.ErrorTexts = d.errorTexts(v)
		case "latency":
			p.Latency = d.latency(v)
		case "emcc":
			p.EMCC = d.boolean(v, key)
		case "emApiRoaming":
			switch r := EMAPIRoaming(d.str(v, key)); r {
			case RoamingAfterPINCheck, RoamingAlways, RoamingNever:
				p.EMAPIRoaming = r
			default:
				d.fail(v, fmt.Sprintf("unknown emApiRoaming %q (want afterPINCheck, always or never)", r))
			}
		}
	})
}

// errorTexts decodes {CODE: TEXT, ...}.
func (d *nodeDecoder) errorTexts(n *yaml.Node) map[int]string {
	if !d.expectKind(n, yaml.MappingNode, "errorTexts: a mapping of code to text") {
		return nil
	}
	out := map[int]string{}
	d.entries(n, func(key string, v *yaml.Node) {
		code, err := strconv.Atoi(key)
		if err != nil || code < 0 || code > 9999 {
			d.fail(v, fmt.Sprintf("errorTexts: %q is not an EM code (0..9999)", key))
			return
		}
		if text := d.str(v, "errorTexts"); text != "" {
			out[code] = text
		} else {
			d.fail(v, fmt.Sprintf("errorTexts: code %d needs a text", code))
		}
	})
	return out
}

// latencyOperations are the operations a latency may name.
var latencyOperations = []string{"login", "logout", "logoutAll", "deviceUserQuery", "userDevicesQuery", "deviceProfileQuery", "checkUser"}

// maxLatency bounds configured delays, like the fault latency bound.
const maxLatency = 10 * time.Minute

// latency decodes {OPERATION: DURATION, ..., jitter: DURATION}.
func (d *nodeDecoder) latency(n *yaml.Node) Latency {
	l := Latency{ByOperation: map[string]time.Duration{}}
	if !d.expectKind(n, yaml.MappingNode, "latency: a mapping of operation to duration") {
		return l
	}
	d.entries(n, func(key string, v *yaml.Node) {
		dur, err := time.ParseDuration(d.str(v, "latency"))
		if err != nil || dur < 0 || dur > maxLatency {
			d.fail(v, fmt.Sprintf("latency %s: want a duration between 0 and %v, such as 300ms", key, maxLatency))
			return
		}
		switch {
		case key == "jitter":
			l.Jitter = dur
		case slices.Contains(latencyOperations, key):
			l.ByOperation[key] = dur
		default:
			d.fail(v, fmt.Sprintf("latency: unknown operation %q (want %s or jitter)", key, strings.Join(latencyOperations, ", ")))
		}
	})
	return l
}
