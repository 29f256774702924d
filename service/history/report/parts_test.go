package report

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// leastUsed equals sorting every device by time, then name, and taking the
// first TopN, with many ties (idle devices) and few.
func TestLeastUsed(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		var devs []DeviceUse
		for d := range r.IntN(40) {
			devs = append(devs, DeviceUse{Device: fmt.Sprintf("SEP%02d", d), loggedIn: time.Duration(r.IntN(1+i%5)) * time.Second})
		}
		slices.SortFunc(devs, func(x, y DeviceUse) int {
			return cmp.Or(cmp.Compare(y.loggedIn, x.loggedIn), cmp.Compare(x.Device, y.Device))
		})
		want := slices.Clone(devs)
		slices.SortStableFunc(want, func(x, y DeviceUse) int {
			return cmp.Or(cmp.Compare(x.loggedIn, y.loggedIn), cmp.Compare(x.Device, y.Device))
		})
		want = want[:min(TopN, len(want))]
		if got := leastUsed(devs, TopN); !slices.Equal(got, want) {
			t.Fatalf("case %d: got %v, want %v", i, got, want)
		}
	}
}
