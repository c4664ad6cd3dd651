package xsandbox

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// handleAuthorizePage answers GET /oauth/authenticate and /oauth/authorize
// (RFC 5849 section 2.2): the page where a person chooses a sandbox account
// and authorizes the app, or cancels. The sandbox has no browser session, so
// /oauth/authenticate always asks, like /oauth/authorize.
func (s *Sandbox) handleAuthorizePage(in *inbound) reply {
	token := in.r.URL.Query().Get("oauth_token")
	rt, err := s.decidable(token, in.now)
	if err != nil {
		return linkErrorPage(err)
	}
	var b bytes.Buffer
	err = authorizeTemplate.Execute(&b, authorizeView{
		Action:      in.r.URL.Path,
		Token:       rt.token,
		ConsumerKey: s.opts.ConsumerKey,
		Callback:    rt.callback,
		Level:       rt.level,
		Permissions: levelPermissions[rt.level],
		Limit:       levelLimits[rt.level],
		Users:       s.users,
	})
	if err != nil {
		return htmlReply(http.StatusInternalServerError, errorPage("Something went wrong", "The sandbox could not render this page."), "rendering the authorize page: "+err.Error())
	}
	return htmlReply(http.StatusOK, b.Bytes(), "")
}

// handleAuthorizeDecision answers the authorize page's form: "user" names the
// account that authorizes, "cancel" cancels. Either way the browser is sent
// to the app's callback (302), as X does.
func (s *Sandbox) handleAuthorizeDecision(in *inbound) reply {
	form, err := url.ParseQuery(string(in.body))
	if err != nil || !isFormEncoded(in.r.Header.Get("Content-Type")) {
		form = in.r.URL.Query()
	}
	token := form.Get("oauth_token")
	var location, userID string
	if form.Has("cancel") {
		location, err = s.deny(token, in.now)
	} else {
		user, ok := s.userByName(form.Get("user"))
		if !ok {
			return htmlReply(http.StatusBadRequest, errorPage("Unknown account", "There is no sandbox account @"+form.Get("user")+"."), "authorize as unknown user "+form.Get("user"))
		}
		userID = user.ID
		location, err = s.approve(token, user.ID, in.now)
	}
	if err != nil {
		return linkErrorPage(err)
	}
	return redirectReply(location, userID, "")
}

// linkErrorPage answers an authorize page's link (OAuth 1.0a or 2.0) that
// cannot be decided on any more.
func linkErrorPage(err error) reply {
	detail := "This authorization link is not valid. Start signing in again from the app."
	switch {
	case errors.Is(err, ErrRequestTokenExpired):
		detail = "This authorization link has expired. Start signing in again from the app."
	case errors.Is(err, ErrRequestTokenUsed), errors.Is(err, ErrOAuth2AuthorizationUsed):
		detail = "This authorization link has already been used. Start signing in again from the app."
	}
	return htmlReply(http.StatusBadRequest, errorPage("This page is no longer valid", detail), err.Error())
}

func htmlReply(status int, page []byte, reason string) reply {
	rep := reply{status: status, body: page, reason: reason}
	rep.setHeader("Content-Type", "text/html; charset=utf-8")
	rep.setHeader("Cache-Control", "no-store")
	return rep
}

func errorPage(title, detail string) []byte {
	var b bytes.Buffer
	if err := errorTemplate.Execute(&b, struct{ Title, Detail string }{title, detail}); err != nil {
		return []byte(title)
	}
	return b.Bytes()
}

type authorizeView struct {
	Action, Token, ConsumerKey, Callback string
	Level                                AccessLevel
	Permissions                          []string // what the app will be able to do at Level
	Limit                                string   // what it will not, "" at the app's own level
	Users                                []User
}

// panelView is what the "what happened on X" panel shows, newest first.
type panelView struct {
	Follows []panelFollow
	DMs     []panelDM
	Tweets  []panelTweet
	Calls   []Call
	Grants  []panelGrant
	Users   []User
}

type panelGrant struct {
	Grant
	User User
}

type panelFollow struct {
	At             time.Time
	Source, Target User
	Pending        bool
}

type panelDM struct {
	At                time.Time
	Sender, Recipient User
	Text, EventID     string
}

type panelTweet struct {
	At     time.Time
	Author User
	ID     string
	Text   string
}

// panelCalls is how many recent calls the panel lists.
const panelCalls = 30

// panel snapshots the sandbox's state for the panel.
func (s *Sandbox) panel() panelView {
	s.mu.Lock()
	defer s.mu.Unlock()
	who := func(id string) User {
		if u, ok := s.userByID[id]; ok {
			return u
		}
		return User{ID: id, Username: id, Name: "unknown account"}
	}
	var v panelView
	for _, f := range slices.Backward(s.follows) {
		v.Follows = append(v.Follows, panelFollow{f.At, who(f.SourceUserID), who(f.TargetUserID), f.Pending})
	}
	for _, d := range slices.Backward(s.dms) {
		v.DMs = append(v.DMs, panelDM{d.At, who(d.SenderID), who(d.RecipientID), d.Text, d.EventID})
	}
	for _, t := range slices.Backward(s.tweets) {
		v.Tweets = append(v.Tweets, panelTweet{t.At, who(t.AuthorID), t.ID, t.Text})
	}
	for _, c := range slices.Backward(s.calls) {
		if len(v.Calls) == panelCalls {
			break
		}
		v.Calls = append(v.Calls, c)
	}
	for _, g := range slices.Backward(s.grants(s.opts.Now())) {
		v.Grants = append(v.Grants, panelGrant{g, who(g.UserID)})
	}
	v.Users = append(v.Users, s.users...)
	return v
}

const pageStyle = `
  body { font: 15px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; background: #f7f9f9; color: #0f1419; }
  main { max-width: 560px; margin: 48px auto; background: #fff; border: 1px solid #e1e8ed; border-radius: 16px; padding: 28px 32px; }
  main.wide { max-width: 980px; }
  h1 { font-size: 22px; margin: 0 0 8px; }
  h2 { font-size: 17px; margin: 24px 0 8px; }
  .badge { display: inline-block; font-size: 12px; background: #0f1419; color: #fff; border-radius: 4px; padding: 1px 6px; vertical-align: middle; }
  .muted { color: #536471; font-size: 13px; }
  ul { padding-left: 0; list-style: none; margin: 0; }
  li { border-bottom: 1px solid #eff3f4; padding: 8px 0; }
  ul.perms li { border: 0; padding: 2px 0; } ul.perms li::before { content: "\2713  "; color: #00ba7c; }
  form.accounts button { display: block; width: 100%; text-align: left; margin: 8px 0; padding: 10px 14px; border-radius: 999px; border: 1px solid #cfd9de; background: #fff; font: inherit; cursor: pointer; }
  form.accounts button.authorize:hover { background: #0f1419; color: #fff; }
  form.accounts button#cancel { text-align: center; margin-top: 20px; color: #f4212e; border-color: #fdc9ce; }
  .scope-description { color: #536471; }
  code { background: #f1f3f4; padding: 1px 4px; border-radius: 4px; word-break: break-all; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 0 24px; }
  table { border-collapse: collapse; width: 100%; font-size: 13px; } td, th { text-align: left; padding: 4px 6px; border-bottom: 1px solid #eff3f4; vertical-align: top; }
  #calls td:last-child { word-break: break-all; }
`

var authorizeTemplate = template.Must(template.New("authorize").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize app · X sandbox</title><style>` + pageStyle + `</style></head>
<body><main>
  <p><span class="badge">X sandbox</span></p>
  <h1>An app wants to access your X account</h1>
  <p class="muted">App consumer key <code id="consumer-key">{{.ConsumerKey}}</code></p>
  <p>This application will be able to:</p>
  <ul class="perms" id="permissions" data-level="{{.Level}}">
    {{range .Permissions}}<li>{{.}}</li>
    {{end}}
  </ul>
  {{if .Limit}}<p class="muted" id="limits">{{.Limit}}</p>{{end}}
  <p class="muted">You will be sent back to <code id="callback">{{.Callback}}</code></p>
  <form class="accounts" method="post" action="{{.Action}}">
    <input type="hidden" name="oauth_token" value="{{.Token}}">
` + accountsForm))

// accountsForm ends both authorize pages (OAuth 1.0a and 2.0): a button per
// test account, and Cancel.
const accountsForm = `    <h2>Choose a sandbox account</h2>
    {{range .Users}}<button type="submit" class="authorize" name="user" value="{{.Username}}" id="authorize-{{.Username}}">
      Authorize as <strong>@{{.Username}}</strong> <span class="muted">{{.Name}} · id {{.ID}}{{if .Protected}} · protected{{end}}{{if eq .AcceptsDMsFrom "none"}} · DMs closed{{end}}</span>
    </button>
    {{end}}
    <button type="submit" name="cancel" value="1" id="cancel">Cancel</button>
  </form>
</main></body></html>
`

var errorTemplate = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}} · X sandbox</title><style>` + pageStyle + `</style></head>
<body><main>
  <p><span class="badge">X sandbox</span></p>
  <h1 id="error-title">{{.Title}}</h1>
  <p id="error-detail">{{.Detail}}</p>
</main></body></html>
`))

var panelTemplate = template.Must(template.New("panel").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>What happened on X · X sandbox</title><style>` + pageStyle + `</style></head>
<body><main class="wide">
  <p><span class="badge">X sandbox</span> <span class="muted">refreshes every 2 seconds · newest first</span></p>
  <h1>What happened on X</h1>
  <div class="grid">
  <section>
    <h2>Follows</h2>
    {{if not .Follows}}<p class="muted">No follows yet.</p>{{end}}
    <ul id="follows">{{range .Follows}}
      <li data-source-id="{{.Source.ID}}" data-target-id="{{.Target.ID}}"><strong>@{{.Source.Username}}</strong> {{if .Pending}}asked to follow{{else}}followed{{end}} <strong>@{{.Target.Username}}</strong>{{if .Pending}} <span class="muted">(pending: protected account)</span>{{end}}<br><span class="muted">{{.At.Format "2006-01-02 15:04:05"}}</span></li>{{end}}
    </ul>
  </section>
  <section>
    <h2>Direct Messages</h2>
    {{if not .DMs}}<p class="muted">No DMs yet.</p>{{end}}
    <ul id="dms">{{range .DMs}}
      <li data-sender-id="{{.Sender.ID}}" data-recipient-id="{{.Recipient.ID}}" data-event-id="{{.EventID}}"><strong>@{{.Sender.Username}}</strong> → <strong>@{{.Recipient.Username}}</strong>: {{.Text}}<br><span class="muted">{{.At.Format "2006-01-02 15:04:05"}}</span></li>{{end}}
    </ul>
  </section>
  <section>
    <h2>Posts</h2>
    {{if not .Tweets}}<p class="muted">No posts yet.</p>{{end}}
    <ul id="tweets">{{range .Tweets}}
      <li data-author-id="{{.Author.ID}}" data-tweet-id="{{.ID}}"><strong>@{{.Author.Username}}</strong> <span class="muted">{{.Author.Name}}</span><br>{{.Text}}<br><span class="muted">{{.At.Format "2006-01-02 15:04:05"}}</span></li>{{end}}
    </ul>
  </section>
  </div>
  <h2>Recent requests</h2>
  <table id="calls"><tr><th>at</th><th>request</th><th>status</th><th>user</th><th>error</th></tr>{{range .Calls}}
    <tr><td>{{.At.Format "15:04:05"}}</td><td><code>{{.Method}} {{.Path}}</code></td><td>{{.Status}}</td><td>{{.UserID}}</td><td>{{.Error}}</td></tr>{{end}}
  </table>
  <h2>Grants</h2>
  <p class="muted">What each sign-in let the app do, and whether the app has revoked it since.</p>
  <table id="grants"><tr><th>issued</th><th>grant</th><th>user</th><th>scopes or level</th><th>state</th></tr>{{range .Grants}}
    <tr data-grant-id="{{.ID}}"><td>{{.IssuedAt.Format "15:04:05"}}</td><td>{{.ID}}</td><td>@{{.User.Username}}</td><td>{{if .Scope}}<code>{{.Scope}}</code>{{else}}level <code>{{.Level}}</code>{{end}}</td><td>{{if .Revoked}}revoked ({{.RevokedBy}}){{else if .Expired}}expired{{else}}live{{end}}</td></tr>{{end}}
  </table>
  <h2>Accounts</h2>
  <table id="users"><tr><th>username</th><th>name</th><th>id</th><th>DMs from</th><th>protected</th></tr>{{range .Users}}
    <tr><td>@{{.Username}}</td><td>{{.Name}}</td><td><code>{{.ID}}</code></td><td>{{.AcceptsDMsFrom}}</td><td>{{.Protected}}</td></tr>{{end}}
  </table>
</main></body></html>
`))
