package xsandbox

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// handleOAuth2AuthorizePage answers GET /i/oauth2/authorize (and the alias
// /2/oauth2/authorize): the consent page where a person picks a sandbox
// account or cancels. An unknown client or redirect URI shows an error page;
// other mistakes are sent to the redirect URI as error=..., as X does.
func (s *Sandbox) handleOAuth2AuthorizePage(in *inbound) reply {
	req, aerr := s.parseAuthorizeRequest(in.r.URL.Query())
	if aerr != nil {
		if loc := aerr.location(req); loc != "" {
			return redirectReply(loc, "", "authorize request refused: "+aerr.code+": "+aerr.description)
		}
		return htmlReply(http.StatusBadRequest, errorPage("Something went wrong",
			"You weren't able to give access to the App. Go back and try logging in again."), aerr.code+": "+aerr.description)
	}
	a := s.newAuthorization(req, in.now)
	var b bytes.Buffer
	err := oauth2AuthorizeTemplate.Execute(&b, oauth2AuthorizeView{
		Action:   in.r.URL.Path,
		ID:       a.id,
		ClientID: req.clientID,
		Callback: req.redirectURI,
		Scopes:   scopeViews(req.scope),
		Users:    s.users,
	})
	if err != nil {
		return htmlReply(http.StatusInternalServerError, errorPage("Something went wrong", "The sandbox could not render this page."), "rendering the OAuth 2.0 authorize page: "+err.Error())
	}
	return htmlReply(http.StatusOK, b.Bytes(), "")
}

// handleOAuth2AuthorizeDecision answers the consent page's form: "user"
// names the account that authorizes, "cancel" cancels; the browser is sent
// to the redirect URI (302).
func (s *Sandbox) handleOAuth2AuthorizeDecision(in *inbound) reply {
	form, err := url.ParseQuery(string(in.body))
	if err != nil || !isFormEncoded(in.r.Header.Get("Content-Type")) {
		form = in.r.URL.Query()
	}
	a := s.o2.auths[form.Get("authorization")]
	switch {
	case a == nil:
		return linkErrorPage(ErrUnknownOAuth2Authorization)
	case a.decided:
		return linkErrorPage(ErrOAuth2AuthorizationUsed)
	case form.Has("cancel"):
		return redirectReply(s.denyOAuth2(a), "", "")
	}
	user, ok := s.userByName(form.Get("user"))
	if !ok {
		return htmlReply(http.StatusBadRequest, errorPage("Unknown account", "There is no sandbox account @"+form.Get("user")+"."), "authorize as unknown user "+form.Get("user"))
	}
	loc, err := s.approveOAuth2(a, user.ID, in.now)
	if err != nil {
		return linkErrorPage(err)
	}
	return redirectReply(loc, user.ID, "")
}

func redirectReply(location, userID, reason string) reply {
	rep := reply{status: http.StatusFound, userID: userID, reason: reason}
	rep.setHeader("Location", location)
	rep.setHeader("Cache-Control", "no-store")
	return rep
}

type oauth2AuthorizeView struct {
	Action, ID, ClientID, Callback string
	Scopes                         []scopeView
	Users                          []User
}

// scopeView is one line of the consent page: the scope's code and what it
// lets the app do, in plain words.
type scopeView struct {
	Code, Description string
}

func scopeViews(scope string) []scopeView {
	var out []scopeView
	for _, sc := range strings.Fields(scope) {
		out = append(out, scopeView{Code: sc, Description: scopeDescriptions[sc]})
	}
	return out
}

var oauth2AuthorizeTemplate = template.Must(template.New("authorize2").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Authorize app · X sandbox</title><style>` + pageStyle + `</style></head>
<body><main>
  <p><span class="badge">X sandbox</span> <span class="muted">OAuth 2.0</span></p>
  <h1>An app wants to access your X account</h1>
  <p class="muted">App client id <code id="client-id">{{.ClientID}}</code></p>
  <p>This application will be able to use these scopes:</p>
  <ul class="perms" id="scopes">
    {{range .Scopes}}<li data-scope="{{.Code}}"><code>{{.Code}}</code> <span class="scope-description">{{.Description}}</span></li>
    {{end}}
  </ul>
  <p class="muted">You will be sent back to <code id="callback">{{.Callback}}</code></p>
  <form class="accounts" method="post" action="{{.Action}}">
    <input type="hidden" name="authorization" value="{{.ID}}">
` + accountsForm))
