package topology

import "testing"

func TestDemoTopologyIsValid(t *testing.T) {
	topo, err := Load("../../testdata/topology/demo.yaml")
	if err != nil {
		t.Fatalf("demo.yaml: %v", err)
	}
	if got := len(topo.Clusters); got != 3 {
		t.Errorf("clusters = %d, want 3 (EU, US, LAB)", got)
	}
}
