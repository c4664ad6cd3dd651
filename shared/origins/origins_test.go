package origins

import "testing"

func TestParse(t *testing.T) {
	tests := []struct {
		name, raw, want string
		ok              bool
	}{
		{"an https origin is kept", "https://www.brand.example", "https://www.brand.example", true},
		{"a trailing slash is allowed", "https://www.brand.example/", "https://www.brand.example", true},
		{"scheme and host are lower-cased", "HTTPS://WWW.Brand.Example", "https://www.brand.example", true},
		{"the default port is left out, as browsers send it", "https://brand.example:443", "https://brand.example", true},
		{"http's default port too", "http://127.0.0.1:80", "http://127.0.0.1", true},
		{"another port is kept", "http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"an IPv6 host keeps its brackets", "http://[::1]:8080", "http://[::1]:8080", true},
		{"a wildcard is refused", "https://*.brand.example", "", false},
		{"a path is refused", "https://brand.example/landing", "", false},
		{"a query is refused", "https://brand.example?x=1", "", false},
		{"credentials are refused", "https://u:p@brand.example", "", false},
		{"another scheme is refused", "ftp://brand.example", "", false},
		{"null is not an origin", "null", "", false},
		{"a bare host is not an origin", "brand.example", "", false},
		{"empty is not an origin", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.raw)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("Parse(%q) = %q, %v", tt.raw, got, err)
			}
		})
	}
}

func TestSetAllows(t *testing.T) {
	s, err := NewSet("https://www.brand.example", "http://127.0.0.1:8080/", "https://www.brand.example")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.List(); len(got) != 2 {
		t.Fatalf("duplicates kept: %v", got)
	}
	tests := []struct {
		origin string
		ok     bool
	}{
		{"https://www.brand.example", true},
		{"https://www.brand.example:443", true},
		{"http://127.0.0.1:8080", true},
		{"http://www.brand.example", false},               // another scheme
		{"https://brand.example", false},                  // a parent domain
		{"https://evil.www.brand.example", false},         // a subdomain
		{"https://www.brand.example.evil.example", false}, // a suffix
		{"http://127.0.0.1:8081", false},                  // another port
		{"null", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := s.Allows(tt.origin); got != tt.ok {
			t.Errorf("Allows(%q) = %v, want %v", tt.origin, got, tt.ok)
		}
	}
	if (Set{}).Allows("https://www.brand.example") {
		t.Error("the zero Set allows an origin")
	}
	if _, err := NewSet("https://ok.example", "https://*.example"); err == nil {
		t.Error("a wildcard entry was accepted")
	}
}
