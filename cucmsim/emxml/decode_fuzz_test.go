package emxml

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzDecodeProperties: beyond FuzzDecode's "no panic, only codes 1 and 8":
// an accepted document names a known operation, keeps values trimmed, a
// query has names, and decoding is deterministic.
func FuzzDecodeProperties(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", "em", "*_request*.xml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	ops := []Op{OpLogin, OpLogout, OpLogoutAll, OpDeviceUserQuery, OpUserDevicesQuery, OpDeviceProfileQuery, OpCheckUser}
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := Decode(doc)
		again, err2 := Decode(doc)
		if (err == nil) != (err2 == nil) || (m == nil) != (again == nil) {
			t.Fatalf("two decodings differ: %v, %v", err, err2)
		}
		if err != nil {
			return
		}
		if !slices.Contains(ops, m.Op) {
			t.Fatalf("unknown operation %q accepted", m.Op)
		}
		for _, v := range append([]string{m.AppID, m.AppCertificate, m.DeviceName, m.UserID, m.DeviceProfile, m.RemoteIPAddr}, m.Names...) {
			if v != strings.TrimSpace(v) {
				t.Fatalf("value %q not trimmed", v)
			}
		}
		isQuery := m.Op != OpLogin && m.Op != OpLogout && m.Op != OpLogoutAll
		if isQuery && len(m.Names) == 0 {
			t.Fatalf("query %q accepted without names", m.Op)
		}
		if m.Indefinite && m.TimeSet {
			t.Fatal("both indefinite and a time")
		}
	})
}
