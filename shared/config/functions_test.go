package config

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// recordingSSM answers every name and records what was asked.
type recordingSSM struct{ asked []string }

func (r *recordingSSM) GetParameters(_ context.Context, names []string) (map[string]string, error) {
	r.asked = append(r.asked, names...)
	out := map[string]string{}
	for _, n := range names {
		switch {
		case strings.Contains(n, "key"):
			out[n] = devKey
		default:
			out[n] = n + "-value-that-is-long-enough-for-an-edge-secret"
		}
	}
	return out, nil
}

// A deployed stage's environment: every secret by its SSM parameter name,
// as serverless.yml gives all three functions.
func deployedEnv(protocol string, edge bool) map[string]string {
	m := validEnv()
	for _, v := range secretVars {
		delete(m, v[0])
		m[v[1]] = "/tws/" + strings.ToLower(strings.ReplaceAll(v[0], "_", "-"))
	}
	m["SIGNIN_PROTOCOL"] = protocol
	if edge {
		m["EDGE_PROTECTION"] = "true"
		m["ALLOWED_ORIGINS"] = "http://127.0.0.1:8080"
	} else {
		m["EDGE_PROTECTION"] = "false"
	}
	return m
}

func TestEachFunctionReadsOnlyItsOwnSecrets(t *testing.T) {
	const (
		consumer = "/tws/twitter-consumer-secret"
		client   = "/tws/twitter-client-secret"
		key      = "/tws/token-encryption-key"
		oldKeys  = "/tws/token-encryption-old-keys"
		link     = "/tws/link-signing-key"
		oldLinks = "/tws/link-signing-old-keys"
		edge     = "/tws/edge-secret"
		oldEdge  = "/tws/edge-old-secrets"
	)
	tests := []struct {
		function, protocol string
		edge               bool
		want               []string
	}{
		// Under OAuth 2.0 the start needs no secret of X: the consent URL carries the client id.
		{GenerateSession, "oauth2", false, []string{key}},
		{GenerateSession, "oauth1", false, []string{consumer, key}},
		{GenerateSession, "oauth2", true, []string{key, edge, oldEdge}},
		{TwitterCallback, "oauth2", false, []string{client, key, oldKeys, link, oldLinks}},
		{TwitterCallback, "oauth1", true, []string{consumer, key, oldKeys, link, oldLinks, edge, oldEdge}},
		// The actions act for users of both kinds and are not behind the API.
		{TwitterActions, "oauth2", true, []string{consumer, client, key, oldKeys, link, oldLinks}},
	}
	for _, tc := range tests {
		name := tc.function + "/" + tc.protocol
		if tc.edge {
			name += "/edge"
		}
		t.Run(name, func(t *testing.T) {
			src := &recordingSSM{}
			c, err := LoadFor(context.Background(), env(deployedEnv(tc.protocol, tc.edge)), src, tc.function)
			if err != nil {
				t.Fatal(err)
			}
			got := slices.Clone(src.asked)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("read %v from SSM, want %v", got, want)
			}
			// What it did not read is empty in its configuration.
			if !slices.Contains(tc.want, consumer) && c.ConsumerSecret != "" {
				t.Error("the consumer secret is set")
			}
			if !slices.Contains(tc.want, client) && c.ClientSecret != "" {
				t.Error("the client secret is set")
			}
			if !slices.Contains(tc.want, link) && len(c.LinkKey) != 0 {
				t.Error("the link key is set")
			}
			if !slices.Contains(tc.want, oldKeys) && c.EncryptionKeySSM.Old != "" {
				t.Errorf("the keyring would re-read %s", c.EncryptionKeySSM.Old)
			}
			if wantEdge := slices.Contains(tc.want, edge); wantEdge != (len(c.Edge.Secrets) > 0) || c.Edge.On != tc.edge {
				t.Errorf("edge %+v", c.Edge)
			}
		})
	}
}

func TestTheWholeConfigurationStillReadsEverySecret(t *testing.T) {
	src := &recordingSSM{}
	if _, err := Load(context.Background(), env(deployedEnv("oauth2", false)), src); err != nil {
		t.Fatal(err)
	}
	if len(src.asked) != 6 {
		t.Fatalf("read %v", src.asked)
	}
}

func TestEdgeProtectionNeedsItsSecret(t *testing.T) {
	m := validEnv()
	m["EDGE_PROTECTION"] = "true"
	m["ALLOWED_ORIGINS"] = "http://127.0.0.1:8080"
	_, err := LoadFor(context.Background(), env(m), nil, TwitterCallback)
	if err == nil || !strings.Contains(err.Error(), "EDGE_SECRET is missing") {
		t.Fatalf("err = %v", err)
	}
	m["EDGE_SECRET"] = "short"
	_, err = LoadFor(context.Background(), env(m), nil, GenerateSession)
	if err == nil || !strings.Contains(err.Error(), "EDGE_SECRET is shorter") || strings.Contains(err.Error(), "short\"") {
		t.Fatalf("err = %v", err)
	}
	m["EDGE_PROTECTION"] = "maybe"
	if _, err = LoadFor(context.Background(), env(m), nil, TwitterActions); err == nil || !strings.Contains(err.Error(), "EDGE_PROTECTION") {
		t.Fatalf("err = %v", err)
	}
	// The actions function is not behind the API: no secret needed.
	m["EDGE_PROTECTION"] = "true"
	delete(m, "EDGE_SECRET")
	if _, err = LoadFor(context.Background(), env(m), nil, TwitterActions); err != nil {
		t.Fatal(err)
	}
}

// TestWithTheEdgeTheAllowedOriginsAreWhatItsOriginRuleMatches: the edge's
// Origin rule is built from ALLOWED_ORIGINS as written (split at each
// comma, each an exact regex); the functions would allow what it blocks
// unless the text is the origins' serialized form and names the site's.
func TestWithTheEdgeTheAllowedOriginsAreWhatItsOriginRuleMatches(t *testing.T) {
	tests := []struct {
		name, origins, wantErr string
	}{
		{"the site's origin alone", "http://127.0.0.1:8080", ""},
		{"the site's and another", "http://127.0.0.1:8080,https://www.brand.example", ""},
		{"a space after a comma", "http://127.0.0.1:8080, https://www.brand.example", "without spaces"},
		{"upper case", "http://127.0.0.1:8080,https://WWW.brand.example", `must be written "https://www.brand.example"`},
		{"a default port", "http://127.0.0.1:8080,https://www.brand.example:443", `must be written "https://www.brand.example"`},
		{"a path", "http://127.0.0.1:8080/", `must be written "http://127.0.0.1:8080"`},
		{"without the site's origin", "https://www.brand.example", `must list the site's own origin "http://127.0.0.1:8080"`},
		{"none", "", "without spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validEnv()
			m["EDGE_PROTECTION"], m["EDGE_SECRET"], m["ALLOWED_ORIGINS"] = "true", "edge-secret-for-the-test-0123456789abcdef", tt.origins
			_, err := LoadFor(context.Background(), env(m), nil, GenerateSession)
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			m["EDGE_PROTECTION"] = "false" // without the edge, the functions' own parsing is lenient
			if _, err := LoadFor(context.Background(), env(m), nil, GenerateSession); err != nil && tt.origins != "http://127.0.0.1:8080/" {
				t.Fatalf("without the edge: %v", err)
			}
		})
	}
}
