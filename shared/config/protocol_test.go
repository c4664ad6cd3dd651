package config

import (
	"context"
	"strings"
	"testing"
)

// with is validEnv (both X apps, SIGNIN_PROTOCOL unset) changed: a value of
// "" removes the variable.
func with(change map[string]string) map[string]string {
	m := validEnv()
	for k, v := range change {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestSignInProtocol(t *testing.T) {
	noClient := map[string]string{"TWITTER_CLIENT_ID": "", "TWITTER_CLIENT_SECRET": ""}
	noConsumer := map[string]string{"TWITTER_CONSUMER_KEY": "", "TWITTER_CONSUMER_SECRET": ""}
	merge := func(ms ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range ms {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		name         string
		env          map[string]string
		proto        Protocol
		consumer     bool     // the OAuth 1.0a app is loaded
		client       bool     // the OAuth 2.0 client is loaded
		wantErr      []string // each named in the error
		wantNotInErr []string
	}{
		{name: "unset is oauth2, with both apps loaded", env: with(nil), proto: ProtocolOAuth2, consumer: true, client: true},
		{name: "unset is oauth2, which needs the client id and secret", env: with(noClient),
			wantErr: []string{"TWITTER_CLIENT_ID is missing", "TWITTER_CLIENT_SECRET is missing"}, wantNotInErr: []string{"CONSUMER"}},
		{name: "oauth2 loads without the OAuth 1.0a app", env: with(merge(noConsumer, map[string]string{"SIGNIN_PROTOCOL": "oauth2"})), proto: ProtocolOAuth2, client: true},
		{name: "oauth1 needs the consumer key and secret, not the client", env: with(merge(noClient, noConsumer, map[string]string{"SIGNIN_PROTOCOL": "oauth1"})),
			wantErr: []string{"TWITTER_CONSUMER_KEY is missing", "TWITTER_CONSUMER_SECRET is missing"}, wantNotInErr: []string{"CLIENT"}},
		{name: "oauth1 loads without the OAuth 2.0 client", env: with(merge(noClient, map[string]string{"SIGNIN_PROTOCOL": "oauth1"})), proto: ProtocolOAuth1, consumer: true},
		{name: "oauth1 still loads the OAuth 2.0 client when given", env: with(map[string]string{"SIGNIN_PROTOCOL": "OAuth1"}), proto: ProtocolOAuth1, consumer: true, client: true},
		{name: "a client id without its secret is a problem on an oauth1 stage", env: with(map[string]string{"SIGNIN_PROTOCOL": "oauth1", "TWITTER_CLIENT_SECRET": ""}),
			wantErr: []string{"TWITTER_CLIENT_SECRET is missing"}},
		{name: "a consumer key without its secret is a problem on an oauth2 stage", env: with(map[string]string{"TWITTER_CONSUMER_SECRET": ""}),
			wantErr: []string{"TWITTER_CONSUMER_SECRET is missing"}},
		{name: "a consumer secret without its key is ignored", env: with(map[string]string{"TWITTER_CONSUMER_KEY": ""}), proto: ProtocolOAuth2, client: true},
		{name: "an unknown protocol is named", env: with(map[string]string{"SIGNIN_PROTOCOL": "oauth3"}), wantErr: []string{`SIGNIN_PROTOCOL "oauth3"`}},
		{name: "a malformed authorize URL is named", env: with(map[string]string{"TWITTER_AUTHORIZE_URL": "x.com/i/oauth2/authorize"}), wantErr: []string{"TWITTER_AUTHORIZE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(context.Background(), env(tt.env), nil)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatal("no error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("the error does not name %s: %v", w, err)
					}
				}
				for _, w := range tt.wantNotInErr {
					if strings.Contains(err.Error(), w) {
						t.Errorf("the error names %s: %v", w, err)
					}
				}
				if strings.Contains(err.Error(), "secret-value") {
					t.Fatalf("the error repeats a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Protocol != tt.proto {
				t.Fatalf("Protocol = %q, want %q", c.Protocol, tt.proto)
			}
			if gotConsumer := c.ConsumerKey != "" && c.ConsumerSecret != ""; gotConsumer != tt.consumer || (!tt.consumer && (c.ConsumerKey != "" || c.ConsumerSecret != "")) {
				t.Fatalf("OAuth 1.0a app loaded = %v, want %v", gotConsumer, tt.consumer)
			}
			if gotClient := c.ClientID != "" && c.ClientSecret.Reveal() == "client-secret-value"; gotClient != tt.client || (!tt.client && (c.ClientID != "" || c.ClientSecret != "")) {
				t.Fatalf("OAuth 2.0 client loaded = %v, want %v", gotClient, tt.client)
			}
		})
	}
}

func TestTheClientSecretComesFromSSM(t *testing.T) {
	ssmEnv := func(change map[string]string) map[string]string {
		m := with(map[string]string{"TWITTER_CONSUMER_SECRET": "", "TWITTER_CLIENT_SECRET": "",
			"TWITTER_CONSUMER_SECRET_SSM": "/tws/s/twitter-consumer-secret", "TWITTER_CLIENT_SECRET_SSM": "/tws/s/twitter-client-secret"})
		for k, v := range change {
			if v == "" {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	both := map[string]string{"/tws/s/twitter-consumer-secret": "from-ssm-consumer", "/tws/s/twitter-client-secret": "from-ssm-client"}
	onlyConsumer := map[string]string{"/tws/s/twitter-consumer-secret": "from-ssm-consumer"}
	onlyClient := map[string]string{"/tws/s/twitter-client-secret": "from-ssm-client"}
	tests := []struct {
		name    string
		env     map[string]string
		values  map[string]string
		wantErr string
		client  string
	}{
		{"both apps' secrets come in the one call", ssmEnv(nil), both, "", "from-ssm-client"},
		{"an oauth2 stage without the OAuth 1.0a app may lack its parameter", ssmEnv(map[string]string{"TWITTER_CONSUMER_KEY": ""}), onlyClient, "", "from-ssm-client"},
		{"an oauth1 stage without the OAuth 2.0 client may lack its parameter", ssmEnv(map[string]string{"SIGNIN_PROTOCOL": "oauth1", "TWITTER_CLIENT_ID": ""}), onlyConsumer, "", ""},
		{"an oauth2 stage's missing client secret parameter is named", ssmEnv(nil), onlyConsumer, "/tws/s/twitter-client-secret (for TWITTER_CLIENT_SECRET) does not exist", ""},
		{"a named app's missing parameter is named on the other protocol too", ssmEnv(map[string]string{"SIGNIN_PROTOCOL": "oauth1"}), onlyConsumer, "/tws/s/twitter-client-secret", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &fakeSSM{values: tt.values}
			c, err := Load(context.Background(), env(tt.env), src)
			if src.calls != 1 {
				t.Fatalf("%d SSM calls, want 1", src.calls)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "from-ssm") {
					t.Fatalf("err = %v, want it to name %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.ClientSecret.Reveal() != tt.client {
				t.Fatalf("client secret %q, want %q", c.ClientSecret.Reveal(), tt.client)
			}
		})
	}
}
