package httpapi

import (
	"slices"
	"testing"

	"github.com/emconnector/emconnector/service"
)

func TestKnownOptions(t *testing.T) {
	tests := []struct {
		name string
		ops  []service.Operation
		want []string
	}{
		{"no operations", nil, nil},
		{"no options", []service.Operation{{Op: "a"}}, nil},
		{"one operation", []service.Operation{{Op: "a", Options: []string{"x", "y"}}}, []string{"x", "y"}},
		{"union in table order, each once", []service.Operation{
			{Op: "a", Options: []string{"x", "y"}},
			{Op: "b", Options: []string{"z", "x"}},
			{Op: "c", Options: []string{"z"}},
		}, []string{"x", "y", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := knownOptions(tt.ops); !slices.Equal(got, tt.want) {
				t.Errorf("knownOptions = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestParserReadsEveryDeclaredOption: declaring an option on an operation is
// enough for the request XML parser to read it.
func TestParserReadsEveryDeclaredOption(t *testing.T) {
	for _, op := range service.Operations() {
		for _, name := range op.Options {
			msg, err := parseRequestXML("<request><" + name + ">v</" + name + "></request>")
			if err != nil {
				t.Fatalf("%s option %s: %v", op.Op, name, err)
			}
			want := []service.Field{{Name: name, Value: "v"}}
			if !slices.Equal(msg.options, want) {
				t.Errorf("%s option %s: options = %v, want %v", op.Op, name, msg.options, want)
			}
		}
	}
}
