package xsandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// X's worked example ("Creating a signature", developer.x.com).
func TestSignatureReproducesXsWorkedExample(t *testing.T) {
	params := url.Values{
		"status":                 {"Hello Ladies + Gentlemen, a signed OAuth request!"},
		"include_entities":       {"true"},
		"oauth_consumer_key":     {"xvz1evFS4wEEPTGEFPHBog"},
		"oauth_nonce":            {"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"},
		"oauth_signature_method": {"HMAC-SHA1"},
		"oauth_timestamp":        {"1318622958"},
		"oauth_token":            {"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"},
		"oauth_version":          {"1.0"},
	}
	const (
		wantParams = "include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&oauth_nonce=kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg&oauth_signature_method=HMAC-SHA1&oauth_timestamp=1318622958&oauth_token=370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb&oauth_version=1.0&status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21"
		wantBase   = "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521"
		wantSig    = "hCtSmYh+iHYCEqBWrE7C7hYmtUk="
	)

	if got := normalizeParameters(params); got != wantParams {
		t.Errorf("parameter string:\n got %s\nwant %s", got, wantParams)
	}
	base := SignatureBaseString("POST", "https://api.twitter.com/1.1/statuses/update.json", params)
	if base != wantBase {
		t.Errorf("base string:\n got %s\nwant %s", base, wantBase)
	}
	if got := Sign(base, "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw", "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"); got != wantSig {
		t.Errorf("signature = %s, want %s", got, wantSig)
	}
}

// RFC 5849 section 3.4.1.1's example request, collected the way the sandbox
// collects an incoming request: header, query (with an encoded '=' and a
// bare name) and a form body (with '+' for space).
func TestSandboxCollectsParametersLikeRFC5849Example(t *testing.T) {
	r, err := http.NewRequest("POST", "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b", strings.NewReader("c2&a3=2+q"))
	if err != nil {
		t.Fatal(err)
	}
	r.Host = "example.com"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Authorization", `OAuth realm="Example", oauth_consumer_key="9djdj82h48djs9d2", oauth_token="kkk9d7dh3k39sjv7", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="7d8f3e4a", oauth_signature="bYT5CMsGcbgUdFHObYMEfcx6bsw%3D"`)

	sr, aerr := parseSignedRequest(r, []byte("c2&a3=2+q"))
	if aerr != nil {
		t.Fatalf("parseSignedRequest: %+v", aerr)
	}
	const want = "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
	if got := SignatureBaseString(sr.method, sr.url, sr.params); got != want {
		t.Errorf("base string:\n got %s\nwant %s", got, want)
	}
	if sr.get(paramSignature) != "bYT5CMsGcbgUdFHObYMEfcx6bsw=" {
		t.Errorf("oauth_signature = %q, want it percent-decoded", sr.get(paramSignature))
	}
}

func TestPercentEncoding(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"unreserved characters stay as they are", "AZaz09-._~", "AZaz09-._~"},
		{"a space is %20, never +", "Ladies + Gentlemen", "Ladies%20%2B%20Gentlemen"},
		{"punctuation is encoded", "Dogs, Cats & Mice!", "Dogs%2C%20Cats%20%26%20Mice%21"},
		{"hex digits are upper case", "/?=", "%2F%3F%3D"},
		{"UTF-8 is encoded byte by byte", "☃", "%E2%98%83"},
		{"an empty string stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentEncode(tt.in); got != tt.want {
				t.Errorf("percentEncode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestBaseStringURI(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"scheme and host are lower-cased but the path is not", "HTTP://Example.COM/Request", "http://example.com/Request"},
		{"the default http port is dropped", "http://example.com:80/r", "http://example.com/r"},
		{"the default https port is dropped", "https://example.com:443/r", "https://example.com/r"},
		{"another port is kept", "http://127.0.0.1:8090/oauth/request_token", "http://127.0.0.1:8090/oauth/request_token"},
		{"port 443 on http is not a default", "http://example.com:443/r", "http://example.com:443/r"},
		{"the query and fragment are dropped", "https://api.x.com/2/users/me?user.fields=id#x", "https://api.x.com/2/users/me"},
		{"an empty path is a slash", "https://api.x.com", "https://api.x.com/"},
		{"an encoded path stays encoded", "https://example.com/r%20v/x", "https://example.com/r%20v/x"},
		{"an IPv6 host keeps its brackets", "http://[::1]:80/a", "http://[::1]/a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := baseStringURI(tt.in); got != tt.want {
				t.Errorf("baseStringURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizedParameters(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"duplicate keys are kept and sorted by value", url.Values{"a": {"2", "1"}}, "a=1&a=2"},
		{"keys sort as encoded bytes, so a comes before a2", url.Values{"a2": {"x"}, "a": {"y"}}, "a=y&a2=x"},
		{"empty values keep their equals sign", url.Values{"c2": {""}}, "c2="},
		{"sorting uses the encoded value", url.Values{"k": {"b", "A", "%"}}, "k=%25&k=A&k=b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeParameters(tt.params); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSignUsesAnEmptyTokenSecretForTheRequestTokenStep(t *testing.T) {
	// Key "cs&" (RFC 5849 section 3.4.2: the "&" is kept when the token secret
	// is empty); the expected value is HMAC-SHA1("cs&", "base") computed
	// independently with openssl.
	const want = "4LIHXsZ//boYzSP4VoU8yJSHkUE="
	if got := Sign("base", "cs", ""); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestParseAuthorizationHeader(t *testing.T) {
	tests := []struct {
		name    string
		header  string
		want    map[string]string
		wantErr bool
	}{
		{"quoted percent-encoded values are decoded", `oauth_callback="http%3A%2F%2Fa.example%2Fcb", oauth_nonce="n"`,
			map[string]string{"oauth_callback": "http://a.example/cb", "oauth_nonce": "n"}, false},
		{"a plus sign stays a plus sign", `oauth_signature="a+b%3D"`, map[string]string{"oauth_signature": "a+b="}, false},
		{"unquoted values are tolerated", `oauth_version=1.0,oauth_nonce=abc`, map[string]string{"oauth_version": "1.0", "oauth_nonce": "abc"}, false},
		{"an unterminated quote is an error", `oauth_nonce="abc`, nil, true},
		{"a name without a value is an error", `oauth_nonce`, nil, true},
		{"bad percent-encoding is an error", `oauth_nonce="%zz"`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pairs, err := parseAuthorizationHeader(tt.header)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			got := map[string]string{}
			for _, p := range pairs {
				got[p.k] = p.v
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}
