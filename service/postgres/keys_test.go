package postgres

import "testing"

// The lock keys are part of bcservice's contract (cmd/bcservice/README.md, "Replicas":
// replicas of different releases share locks only while the scheme is the
// same): FNV-1a over a prefixed, upper-cased name. The values were computed
// independently of this code; a change here is a change of the contract.
func TestLockKeysAreTheDocumentedScheme(t *testing.T) {
	clusters := []struct {
		name string
		want int32
	}{
		{"EU", -1069539605}, // FNV-1a 32 of "bcservice/cluster/EU"
		{"eu", -1069539605},
		{"US", 102230701},
	}
	for _, c := range clusters {
		if got := clusterKey(c.name); got != c.want {
			t.Errorf("clusterKey(%q) = %d, want %d", c.name, got, c.want)
		}
	}
	devices := []struct {
		cluster, device string
		want            int64
	}{
		{"EU", "SEP1CE6C79BAF1F", -8481235777417435034}, // FNV-1a 64 of "bcservice/device/EU/SEP1CE6C79BAF1F"
		{"eu", "sep1ce6c79baf1f", -8481235777417435034},
	}
	for _, d := range devices {
		if got := deviceKey(d.cluster, d.device); got != d.want {
			t.Errorf("deviceKey(%q, %q) = %d, want %d", d.cluster, d.device, got, d.want)
		}
	}
	if clusterKey("EU") == clusterKey("US") || deviceKey("EU", "SEP1") == deviceKey("US", "SEP1") {
		t.Error("two clusters share a key")
	}
}
