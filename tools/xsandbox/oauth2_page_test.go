package xsandbox

import (
	"html"
	"regexp"
	"strings"
	"testing"
)

// scopeLine is one <li> of the consent page's #scopes list.
var scopeLine = regexp.MustCompile(`<li data-scope="([^"]+)"><code>([^<]+)</code> <span class="scope-description">([^<]*)</span></li>`)

func TestTheConsentPageSaysWhatEachScopeAllows(t *testing.T) {
	tests := []struct {
		name  string
		scope string
		want  [][2]string // code, description, in the order asked
	}{
		{name: "a plain sign-up reads only", scope: "users.read tweet.read", want: [][2]string{
			{"users.read", "See your profile and the accounts you can see (read only)"},
			{"tweet.read", "See the posts you can see, including those of protected accounts (read only)"},
		}},
		{name: "a sign-up that follows and posts", scope: "users.read tweet.read follows.write tweet.write", want: [][2]string{
			{"users.read", "See your profile and the accounts you can see (read only)"},
			{"tweet.read", "See the posts you can see, including those of protected accounts (read only)"},
			{"follows.write", "Follow and unfollow accounts for you"},
			{"tweet.write", "Post and repost for you"},
		}},
		{name: "the brand's DM grant", scope: "users.read tweet.read dm.read dm.write offline.access", want: [][2]string{
			{"users.read", "See your profile and the accounts you can see (read only)"},
			{"tweet.read", "See the posts you can see, including those of protected accounts (read only)"},
			{"dm.read", "Read and send your Direct Messages"},
			{"dm.write", "Read and send your Direct Messages"},
			{"offline.access", "Stay connected to your account until you revoke access"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			page := h.browse(authorizeQuery(map[string]string{"scope": tt.scope}))
			requireStatus(t, page, 200)
			start := strings.Index(page.body, `<ul class="perms" id="scopes">`)
			end := strings.Index(page.body[max(start, 0):], "</ul>")
			if start < 0 || end < 0 {
				t.Fatalf("no #scopes list in %s", page.body)
			}
			var got [][2]string
			for _, m := range scopeLine.FindAllStringSubmatch(page.body[start:start+end], -1) {
				if m[1] != m[2] {
					t.Errorf("data-scope %q on the line of %q", m[1], m[2])
				}
				got = append(got, [2]string{html.UnescapeString(m[2]), html.UnescapeString(m[3])})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("scope lines %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("line %d: %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestEveryScopeXKnowsHasADescription(t *testing.T) {
	for sc := range oauth2Scopes {
		if ScopeDescription(sc) == "" {
			t.Errorf("scope %s has no description", sc)
		}
	}
	if ScopeDescription("users.follow.write") != "" {
		t.Error("a scope X does not know has a description")
	}
}
