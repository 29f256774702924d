package httpapi

import "testing"

func TestFormValue(t *testing.T) {
	tests := []struct {
		name, form, want string
		found, err       bool
	}{
		{"encoded", "xml=%3Crequest%3E", "<request>", true, false},
		{"plus is space", "xml=a+b", "a b", true, false},
		{"semicolon is data", "xml=<request><appID>bc;app</appID></request>", "<request><appID>bc;app</appID></request>", true, false},
		{"semicolon does not separate", "a=1;xml=2", "", false, false},
		{"first wins", "xml=1&xml=2", "1", true, false},
		{"other fields", "foo=bar&&xml=v&", "v", true, false},
		{"no value", "xml", "", true, false},
		{"absent", "foo=bar", "", false, false},
		{"bad escape in value", "xml=%zz", "", false, true},
		{"bad escape elsewhere", "a=%&xml=v", "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := formValue(tt.form, "xml")
			if got != tt.want || found != tt.found || (err != nil) != tt.err {
				t.Errorf("formValue(%q) = %q, %v, %v; want %q, %v, error %v", tt.form, got, found, err, tt.want, tt.found, tt.err)
			}
		})
	}
}
