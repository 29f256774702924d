package didyoumean

import "testing"

func TestNearest(t *testing.T) {
	keys := []string{"listen", "requestTimeout", "history", "clusters", "dsn", "tls", "ttl", "emEnabled", "emccCapable", "maxConcurrentRequests"}
	tests := []struct {
		word, want string
	}{
		{"histroy", "history"},               // swapped neighbours: one edit
		{"histori", "history"},               // changed letter
		{"clustrs", "clusters"},              // dropped letter
		{"requesttimeout", "requestTimeout"}, // case only
		{"REQUESTTIMEOUT", "requestTimeout"},
		{"lsiten", "listen"},
		{"dns", "dsn"},
		{"emEnabeld", "emEnabled"},
		{"colour", ""},                             // nothing close
		{"x", ""},                                  // one letter: one edit allowed, none within it
		{"", ""},                                   // empty key
		{"ttls", "tls"},                            // tie between tls and ttl (one edit each): the earlier wins
		{"histroyyyyyyy", ""},                      // too many edits for its length
		{"maxConcurrent", "maxConcurrentRequests"}, // cut short
		{"REQUEST", "requestTimeout"},              // cut short, any case
		{"lis", ""},                                // too short to be a prefix worth naming
		{"maxConcurentRequest", "maxConcurrentRequests"},
	}
	for _, tt := range tests {
		if got := Nearest(tt.word, keys); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"ab", "ba", 1}, {"abc", "", 3}, {"kitten", "sitting", 3},
		{"ca", "abc", 3}, // OSA, not full Damerau: no edit of a swapped pair
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b, 100); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := distance(tt.a, tt.b, 1); got != min(tt.want, 1) {
			t.Errorf("distance(%q, %q, bound 1) = %d, want %d", tt.a, tt.b, got, min(tt.want, 1))
		}
	}
}
