package dashboard

import "testing"

func TestCellNeutralisesFormulas(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"alice", "alice"},
		{"SEP000000000001", "SEP000000000001"},
		{"a=b", "a=b"},
		{"   ", "   "},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{" =1+1", "' =1+1"},
		{"  \n+1", "'  \n+1"},
		{"\u00a0@x", "'\u00a0@x"},
		{"\u3000-1", "'\u3000-1"},
		{"＝1+1", "'＝1+1"},
		{"＋1", "'＋1"},
		{"－1", "'－1"},
		{"＠x", "'＠x"},
		{" ＝1", "' ＝1"},
		{" x=1", " x=1"},
	}
	for _, tt := range tests {
		if got := cell(tt.in); got != tt.want {
			t.Errorf("cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
