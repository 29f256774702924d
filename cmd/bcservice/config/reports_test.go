package config

import (
	"strings"
	"testing"
)

func TestReportsConfig(t *testing.T) {
	tests := []struct {
		name, yaml, problem string
	}{
		{"absent", "", ""},
		{"business hours", "reports:\n  businessHours: Mon-Fri 08:00-18:00\n  zone: Europe/Paris\n", ""},
		{"bad hours", "reports:\n  businessHours: weekdays\n", "reports.businessHours (line 2)"},
		{"reversed hours", "reports:\n  businessHours: Mon 18:00-08:00\n", "reports.businessHours (line 2)"},
		{"bad zone", "reports:\n  zone: Mars/Olympus\n", "reports.zone (line 2)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml + "clusters: [{code: EU, nodes: [\"http://127.0.0.1:18081/emservice/EMServiceServlet\"]}]\n"))
			if err == nil {
				err = c.Validate()
			}
			switch {
			case tc.problem == "" && err != nil:
				t.Errorf("unexpected problem: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
				t.Errorf("error %v, want one about %s", err, tc.problem)
			}
		})
	}
}
