package signin_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// Least privilege toward visitors: a visitor grants X only what their
// sign-up uses, their token is kept only when it has work to do, and the
// brand's DM grant comes through its own start. Every test runs under both
// protocols, against DynamoDB Local and the sandbox over HTTP, which
// records what each sign-in was granted.

var protocols = []string{"oauth1", "oauth2"}

// signInWith runs a whole sign-in of uid with form under protocol: start,
// approve at X, callback. It returns the site redirect's query.
func (s *stack) signInWith(protocol, form, uid string) map[string]string {
	s.t.Helper()
	var query, cookie string
	if protocol == "oauth2" {
		st := s.mustStartOAuth2(form)
		query, cookie = s.approveOAuth2(st, uid), st.cookie
	} else {
		st := s.mustStart(form)
		query, cookie = s.authorize(st, uid), st.cookie
	}
	q := result(s.t, s.callback(query, cookie))
	out := map[string]string{}
	for k := range q {
		out[k] = q.Get(k)
	}
	return out
}

// lastGrant is the newest grant the sandbox issued to uid.
func (s *stack) lastGrant(uid string) xsandbox.Grant {
	s.t.Helper()
	var last xsandbox.Grant
	for _, g := range s.sandbox.Grants() {
		if g.UserID == uid {
			last = g
		}
	}
	if last.ID == "" {
		s.t.Fatalf("the sandbox issued no grant to %s", uid)
	}
	return last
}

// credentialAttrs lists the credential attributes an item holds.
func credentialAttrs(item dynamo.Item) []string {
	var out []string
	for _, a := range useritem.CredentialAttrs {
		if _, ok := item[a]; ok {
			out = append(out, a)
		}
	}
	return out
}

func TestEachSignInAsksXForTheLeastItsSignUpUses(t *testing.T) {
	t.Parallel()
	visitor := "tweet.read users.read"
	tests := []struct {
		name       string
		followMode string
		form       string
		uid        string
		scope      string // OAuth 2.0: the grant's scopes, sorted
		level      xsandbox.AccessLevel
		kept       bool // the user item holds the token afterwards
	}{
		{"nothing ticked: the visitor is only named", "api", "follow=false", aliceUID, visitor, xsandbox.LevelRead, false},
		{"follow ticked, the stage follows through the API", "api", "follow=true", aliceUID, "follows.write " + visitor, xsandbox.LevelWrite, true},
		{"follow ticked, the stage shows a follow button", "intent", "follow=true", aliceUID, visitor, xsandbox.LevelRead, false},
		{"follow ticked, following is off", "off", "follow=true", aliceUID, visitor, xsandbox.LevelRead, false},
		{"the opt-in post ticked", "intent", "tweet=true", aliceUID, "tweet.read tweet.write users.read", xsandbox.LevelWrite, true},
		{"both ticked, the stage follows through the API", "api", "follow=true&tweet=true", aliceUID, "follows.write tweet.read tweet.write users.read", xsandbox.LevelWrite, true},
		{"the brand's start, whatever is ticked", "api", "brand=true&follow=true&tweet=true", brandUID, "dm.read dm.write offline.access tweet.read users.read", xsandbox.LevelDM, true},
	}
	for _, proto := range protocols {
		for _, tt := range tests {
			t.Run(proto+": "+tt.name, func(t *testing.T) {
				t.Parallel()
				s := newStack(t, teststack.WithEnv("SIGNIN_PROTOCOL", proto), teststack.WithEnv("FOLLOW_MODE", tt.followMode))
				if q := s.signInWith(proto, tt.form, tt.uid); q["result"] != "success" {
					t.Fatalf("result %v", q)
				}
				g := s.lastGrant(tt.uid)
				switch proto {
				case "oauth2":
					if got := strings.Join(g.Scopes(), " "); got != tt.scope {
						t.Fatalf("X's consent page asked for %q, want %q", got, tt.scope)
					}
				default:
					if g.Level != tt.level {
						t.Fatalf("X granted the access level %q, want %q", g.Level, tt.level)
					}
				}
				item := s.user(tt.uid)
				if got := credentialAttrs(item); (len(got) > 0) != tt.kept {
					t.Fatalf("credential attributes stored %v, want a token kept: %v", got, tt.kept)
				}
				if _, ok := item["refresh"]; ok != (proto == "oauth2" && tt.uid == brandUID) {
					t.Fatalf("refresh token stored: %v; only the brand's grant has one", ok)
				}
			})
		}
	}
}

// TestTheBrandsStartKeepsOnlyTheBrandsGrant: another account on the
// brand's start (a visitor who found the link, the operator signed in with
// the wrong account) is refused with not_the_brand, its grant is revoked at
// X, and nothing of that sign-in is stored: an existing subscriber's item
// stays as it was, and no brand is connected.
func TestTheBrandsStartKeepsOnlyTheBrandsGrant(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.WithEnv("SIGNIN_PROTOCOL", proto))
			if q := s.signInWith(proto, "tweet=true&utm_source=launch", aliceUID); q["result"] != "success" {
				t.Fatalf("alice's sign-up: %v", q)
			}
			before := s.user(aliceUID)

			q := s.signInWith(proto, "brand=true", aliceUID)
			if q["result"] != "fail" || q["reason"] != "not_the_brand" {
				t.Fatalf("the brand's start signed in as alice: %v, want fail with not_the_brand", q)
			}
			g := s.lastGrant(aliceUID)
			if !g.Revoked || g.RevokedBy != xsandbox.RevokedByApp {
				t.Fatalf("the impostor's grant %+v is not revoked by the app", g)
			}
			if (proto == "oauth2" && !strings.Contains(g.Scope, "dm.write")) || (proto == "oauth1" && g.Level != xsandbox.LevelDM) {
				t.Fatalf("the revoked grant %+v is not the brand start's", g)
			}
			if after := s.user(aliceUID); !reflect.DeepEqual(before, after) {
				t.Fatalf("alice's item changed:\nbefore %v\nafter  %v", before, after)
			}
			if s.user(brandUID) != nil {
				t.Fatal("a brand item was written")
			}
			// Exactly one sign-in of alice succeeded (her sign-up), and none
			// as the brand; the brand's start is a failure line.
			var signedIn, asBrand, refused int
			for _, line := range strings.Split(strings.TrimSpace(s.logs.String()), "\n") {
				var m map[string]any
				if json.Unmarshal([]byte(line), &m) != nil || m["uid"] != aliceUID && m["reason"] != "not_the_brand" {
					continue
				}
				switch {
				case m["message"] == "signed in" && m["brand"] == true:
					asBrand++
				case m["message"] == "signed in":
					signedIn++
				case m["reason"] == "not_the_brand":
					refused++
				}
			}
			if signedIn != 1 || asBrand != 0 || refused != 1 {
				t.Fatalf("log lines: %d sign-ins of alice, %d as the brand, %d not_the_brand; want 1, 0, 1", signedIn, asBrand, refused)
			}
		})
	}
}

// TestTheBrandSigningInAsAVisitorLeavesTheSenderAlone: the operator tries
// the page with the brand account. The sign-in succeeds; the sender's
// stored grant is not replaced, narrowed nor removed.
func TestTheBrandSigningInAsAVisitorLeavesTheSenderAlone(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.WithEnv("SIGNIN_PROTOCOL", proto), teststack.WithEnv("FOLLOW_MODE", "api"))
			if q := s.signInWith(proto, "brand=true", brandUID); q["result"] != "success" || q["brand"] != "connected" {
				t.Fatalf("the brand's start: %v", q)
			}
			sender := s.user(brandUID)
			if !dynamo.GetBool(sender, "brand") || len(credentialAttrs(sender)) == 0 {
				t.Fatalf("the brand's start stored no sender: %v", sender)
			}
			for _, form := range []string{"follow=false", "follow=true&tweet=true"} {
				if q := s.signInWith(proto, form, brandUID); q["result"] != "success" || q["brand"] != "" {
					t.Fatalf("the brand as a visitor (%s): %v", form, q)
				}
				if after := s.user(brandUID); !reflect.DeepEqual(sender, after) {
					t.Fatalf("the visitor sign-in (%s) changed the sender's item:\nbefore %v\nafter  %v", form, sender, after)
				}
			}
		})
	}
}

// TestAForgedErrorOnTheCallbackIsNotX: anyone can call the callback with
// ?error=invalid_client&error_description=...; without a live session of
// this browser it is bad_callback at info level, and neither the text nor
// X's reason reaches the logs or the metrics (the saved "last failures"
// query and the operator hints read them). With one, it is X's refusal.
func TestAForgedErrorOnTheCallbackIsNotX(t *testing.T) {
	t.Parallel()
	s := newOAuth2Stack(t)
	forged := "error=invalid_client&state=made-up&error_description=Rotate+your+client+secret+at+evil.example"
	for _, cookies := range [][]string{nil, {"tws_0123456789abcdef=whatever"}} {
		q := result(t, s.callback(forged, cookies...))
		if q.Get("result") != "fail" || q.Get("reason") != "bad_callback" {
			t.Fatalf("a forged error: %v, want fail with bad_callback", q)
		}
	}
	logs := s.logs.String()
	for _, bad := range []string{"evil.example", "x_oauth2_invalid_client", `"fix":`} {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(bad)) {
			t.Fatalf("the logs hold %q from a forged callback:\n%s", bad, logs)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["reason"] == "bad_callback" && m["level"] != "info" {
			t.Fatalf("a forged callback logged at %v: %s", m["level"], line)
		}
	}

	// The same error on the state of a live session of this browser is X's.
	st := s.mustStartOAuth2("follow=false")
	q := result(t, s.callback("error=invalid_client&error_description=Client+authentication+failed&state="+st.state, st.cookie))
	if q.Get("reason") != "x_oauth2_invalid_client" || s.session(st.state) != nil {
		t.Fatalf("X's own error with a live session: %v (session kept: %v)", q, s.session(st.state) != nil)
	}
	if !slices.ContainsFunc(strings.Split(s.logs.String(), "\n"), func(l string) bool { return strings.Contains(l, "x_oauth2_invalid_client") }) {
		t.Fatal("X's own refusal is not logged with its reason")
	}
}
