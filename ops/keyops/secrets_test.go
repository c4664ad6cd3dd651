package keyops

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
)

const clientSecretValue = "x-client-secret-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"

func TestTheSecretsAskedFollowTheProtocol(t *testing.T) {
	tests := []struct {
		name string
		app  App
		want []string // params, "+keep" when Enter keeps the stored one
	}{
		{"an OAuth 2.0 stage asks for the client secret", App{Protocol: OAuth2, ClientID: "cid"}, []string{ClientSecret}},
		{"an OAuth 2.0 stage that still names a consumer key keeps its secret for the OAuth 1.0a users",
			App{Protocol: OAuth2, ClientID: "cid", ConsumerKey: "ck"}, []string{ClientSecret, ConsumerSecret + "+keep"}},
		{"an OAuth 1.0a stage asks for the consumer secret", App{Protocol: OAuth1, ConsumerKey: "ck"}, []string{ConsumerSecret}},
		{"an OAuth 1.0a stage that names a client id keeps its secret for the OAuth 2.0 users",
			App{Protocol: OAuth1, ConsumerKey: "ck", ClientID: "cid"}, []string{ConsumerSecret, ClientSecret + "+keep"}},
		{"a protocol's own secret is asked even before its key is configured", App{Protocol: OAuth2}, []string{ClientSecret}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secrets, err := tc.app.Secrets()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range secrets {
				p := s.Param
				if s.Keep {
					p += "+keep"
				}
				got = append(got, p)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("asks for %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("an unknown protocol is an error", func(t *testing.T) {
		if _, err := (App{Protocol: "oauth3"}).Secrets(); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("the protocol is read as the functions read it: unset is oauth2, any case", func(t *testing.T) {
		for _, p := range []string{"", "OAuth2", " oauth2 "} {
			if got, err := (App{Protocol: p}).Secrets(); err != nil || got[0].Param != ClientSecret {
				t.Errorf("protocol %q: %v %v", p, got, err)
			}
		}
		if got, err := (App{Protocol: "OAUTH1"}).Secrets(); err != nil || got[0].Param != ConsumerSecret {
			t.Errorf("protocol OAUTH1: %v %v", got, err)
		}
	})
}

// StoreSecrets reads one line per secret, in the order make secrets asked.
func TestStoreSecretsReadsOneLinePerSecret(t *testing.T) {
	ctx := context.Background()
	both := []Secret{clientSecret, {Param: ConsumerSecret, Name: consumerSecret.Name, Keep: true}}
	tests := []struct {
		name       string
		secrets    []Secret
		stored     map[string]string // before make secrets (params)
		stdin      string
		wantErr    string            // substring; "" for success
		wantStored map[string]string // params -> value after
		wantLines  []string
	}{
		{
			name: "the client secret alone", secrets: []Secret{clientSecret}, stdin: clientSecretValue + "\n",
			wantStored: map[string]string{ClientSecret: clientSecretValue},
			wantLines:  []string{"stored /twitter-sessions/staging/twitter-client-secret"},
		},
		{
			name: "the last line may lack its newline", secrets: both, stdin: clientSecretValue + "\n" + secret,
			wantStored: map[string]string{ClientSecret: clientSecretValue, ConsumerSecret: secret},
		},
		{
			name: "Enter keeps the other protocol's stored secret", secrets: both, stdin: clientSecretValue + "\n\n",
			stored:     map[string]string{ConsumerSecret: "stored-consumer-secret-0123456789"},
			wantStored: map[string]string{ClientSecret: clientSecretValue, ConsumerSecret: "stored-consumer-secret-0123456789"},
			wantLines:  []string{"stored /twitter-sessions/staging/twitter-client-secret", "kept the existing /twitter-sessions/staging/twitter-consumer-secret"},
		},
		{
			name: "Enter with nothing stored is refused, and nothing is written", secrets: both, stdin: clientSecretValue + "\n\n",
			wantErr: "/twitter-sessions/staging/twitter-consumer-secret does not exist yet",
		},
		{
			name: "the protocol's own secret must be typed, even when one is stored", secrets: both, stdin: "\n" + secret + "\n",
			stored:  map[string]string{ClientSecret: clientSecretValue},
			wantErr: "X OAuth 2.0 Client Secret read from stdin is empty or too short",
		},
		{
			name: "a truncated paste is refused", secrets: []Secret{clientSecret}, stdin: "abc\n",
			wantErr: "too short",
		},
		{
			name: "stdin that ends early is refused", secrets: both, stdin: clientSecretValue,
			wantErr: "stdin ended after 1 of the 2 secrets",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, m := newStage()
			p.Secrets = tc.secrets
			for k, v := range tc.stored {
				m.m[p.Name(k)] = v
			}
			var out bytes.Buffer
			err := p.StoreSecrets(ctx, strings.NewReader(tc.stdin), &out)
			for _, typed := range strings.Split(tc.stdin, "\n") {
				if typed != "" && (strings.Contains(out.String(), typed) || (err != nil && strings.Contains(err.Error(), typed))) {
					t.Fatalf("a typed secret was printed: %q %v", out.String(), err)
				}
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if len(m.m) != len(tc.stored) {
					t.Fatalf("a refused make secrets wrote %d parameters", len(m.m)-len(tc.stored))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.wantStored {
				if m.m[p.Name(k)] != v {
					t.Errorf("%s holds %q, want %q", k, m.m[p.Name(k)], v)
				}
			}
			for _, line := range tc.wantLines {
				if !strings.Contains(out.String(), line) {
					t.Errorf("output lacks %q:\n%s", line, out.String())
				}
			}
		})
	}
}

// make deploy runs key-id first: it refuses a stage whose functions would
// not start for lack of one of the X app's secrets.
func TestKeyIDNeedsEverySecretTheFunctionsRead(t *testing.T) {
	p, m := newStage()
	p.Secrets, _ = App{Protocol: OAuth2, ConsumerKey: "ck"}.Secrets()
	key, _ := NewKey()
	m.m[p.Name(EncryptionKey)], m.m[p.Name(LinkKey)] = key, key
	steps := []struct {
		name    string
		store   string // param stored before the step
		wantErr string
	}{
		{"without the client secret", "", ClientSecret},
		{"with the client secret but without the kept consumer secret", ClientSecret, ConsumerSecret},
		{"with both", ConsumerSecret, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.store != "" {
				m.m[p.Name(st.store)] = secret
			}
			_, err := p.KeyID(context.Background())
			if st.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if st.wantErr != "" && (err == nil || !strings.Contains(err.Error(), st.wantErr) || !strings.Contains(err.Error(), "make secrets")) {
				t.Fatalf("err = %v, want it to name %s and make secrets", err, st.wantErr)
			}
		})
	}
}
