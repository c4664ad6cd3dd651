package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// Service is the sign-in use case as the handlers see it.
type Service interface {
	Start(ctx context.Context, c signin.Choices) (signin.Started, error)
	// ParseCallback reads the callback's query, once, as the sign-in's
	// protocol defines it; Finish completes the sign-in it names.
	ParseCallback(q url.Values) (signin.Callback, error)
	Finish(ctx context.Context, cb signin.Callback, binding string) (signin.Finished, error)
}

// Site is where browsers land, and how the follow button is offered.
type Site struct {
	URL         *url.URL          // SITE_CALLBACK_URL
	CallbackURL *url.URL          // TWITTER_CALLBACK_URL: the binding cookie's path and Secure flag come from it
	FollowMode  signin.FollowMode // FOLLOW_MODE: under intent, the success redirect asks for a follow button
	BrandUID    string            // FOLLOW_UID
	// Origins are the pages allowed to start a sign-in (the site's origin
	// and ALLOWED_ORIGINS).
	Origins origins.Set
}

// Handlers serve the two sign-in routes. Build once; safe for concurrent use.
type Handlers struct {
	Service Service
	Site    Site
	Log     zerolog.Logger
	Now     func() time.Time // default time.Now
	// Budget is kept free before the invocation's deadline: the use case
	// gets a context that ends this much earlier, so a slow X still leaves
	// time to answer the browser with a clear result.
	Budget time.Duration
	// Metrics go on each outcome line (SignInsStarted, SignInsCompleted);
	// nil: none.
	Metrics *metrics.Emitter
}

func (h *Handlers) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && h.Budget > 0 {
		return context.WithDeadline(ctx, dl.Add(-h.Budget))
	}
	return context.WithCancel(ctx)
}

// CookieName names the binding cookie of one sign-in after its key, so that
// sign-ins started in two tabs do not overwrite each other's binding.
func CookieName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "tws_" + hex.EncodeToString(sum[:8])
}

func (h *Handlers) cookie(key, value string, maxAge time.Duration) string {
	return BindingCookie(CookieName(key), value, h.Site.CallbackURL.Path, maxAge, h.Site.CallbackURL.Scheme == "https")
}

func (h *Handlers) now() time.Time { return clock.Now(h.Now) }

// StartSignIn serves POST /api/twitter-session: validate the form, start the
// sign-in, bind the browser, and send it to X (303) or, for a client that
// asked for JSON, answer {"authorize_url": ...}.
func (h *Handlers) StartSignIn(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	began := h.now()
	log := logging.ForInvocation(ctx, h.Log)
	if err := CheckEvent(log, &req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	asJSON := WantsJSON(&req)
	if Method(&req) != http.MethodPost {
		return MethodNotAllowed(http.MethodPost, asJSON), nil
	}
	// Where the request came from is decided first: a page that may not
	// start a sign-in gets nothing (no call to X, no write, no cookie).
	if p := CheckOrigin(&req, h.Site.Origins); p != nil {
		ev := log.Warn().Str("outcome", "refused").Stringer("reason", p.Reason).Int("status", p.Status).
			Str("origin", truncate(Header(&req, "origin"), 100))
		h.Metrics.SignInStarted(ev, metrics.ResultRefused, p.Reason).Msg("sign-in not started: not from the brand's page")
		if asJSON {
			return JSON(p.Status, map[string]string{"result": "fail", "reason": p.Reason.String(), "error": p.Message}), nil
		}
		return Refuse(p, false), nil
	}
	form, p := ParseForm(&req)
	var choices signin.Choices
	if p == nil {
		choices, p = ParseChoices(form, h.Site.URL)
	}
	if p != nil {
		ev := log.Info().Str("outcome", "refused").Stringer("reason", p.Reason).Int("status", p.Status)
		h.Metrics.SignInStarted(ev, metrics.ResultRefused, p.Reason).Msg("sign-in not started: bad request")
		return Refuse(p, asJSON), nil
	}

	sctx, cancel := h.budget(ctx)
	defer cancel()
	started, err := h.Service.Start(sctx, choices)
	if err != nil {
		reason := signin.ReasonOf(err)
		ev := logFailure(log, err, reason).Dur("took", h.now().Sub(began))
		h.Metrics.SignInStarted(ev, metrics.ResultFail, reason).Msg("sign-in not started")
		if asJSON {
			return JSON(http.StatusOK, map[string]string{"result": "fail", "reason": reason.String()}), nil
		}
		return Redirect(http.StatusSeeOther, ResultURL(h.Site.URL, failParams(reason))), nil
	}

	ev := log.Info().Str("outcome", "started").Bool("follow", choices.Follow).Bool("tweet", choices.Tweet).Bool("brand", choices.Brand).Bool("json", asJSON)
	ev = withUTM(ev, choices.UTM).Dur("took", h.now().Sub(began))
	h.Metrics.SignInStarted(ev, metrics.ResultStarted, "").Msg("sign-in started")
	cookie := h.cookie(started.Key, started.Binding, started.ExpiresAt.Sub(h.now()))
	if asJSON {
		return JSON(http.StatusOK, map[string]string{
			"authorize_url": started.AuthorizeURL,
			"expires_at":    started.ExpiresAt.UTC().Format(time.RFC3339),
		}, cookie), nil
	}
	return Redirect(http.StatusSeeOther, started.AuthorizeURL, cookie), nil
}

// Callback serves GET /api/twitter-callback: finish the sign-in and send the
// browser to the site with result=success, denied, or fail and a reason.
func (h *Handlers) Callback(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	began := h.now()
	log := logging.ForInvocation(ctx, h.Log)
	if err := CheckEvent(log, &req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	if Method(&req) != http.MethodGet {
		return MethodNotAllowed(http.MethodGet, false), nil
	}
	q, p := ParseQuery(&req)
	if p != nil {
		ev := log.Info().Str("outcome", "fail").Stringer("reason", signin.ReasonBadCallback).Stringer("detail", p.Reason)
		h.Metrics.SignInCompleted(ev, metrics.ResultFail, signin.ReasonBadCallback).Msg("sign-in not finished: bad callback")
		return Redirect(http.StatusFound, ResultURL(h.Site.URL, failParams(signin.ReasonBadCallback))), nil
	}
	// The protocol's reading names the session, and so the cookie that
	// binds this browser to it; a query it cannot read fails below, with
	// no cookie to clear (it expires with its session).
	cb, err := h.Service.ParseCallback(q)
	binding, clear := "", []string(nil)
	if err == nil {
		binding = Cookie(&req, CookieName(cb.Key))
		clear = []string{h.cookie(cb.Key, "", 0)}
	}

	sctx, cancel := h.budget(ctx)
	defer cancel()
	var done signin.Finished
	if err == nil {
		done, err = h.Service.Finish(sctx, cb, binding)
	}
	switch {
	case err != nil:
		reason := signin.ReasonOf(err)
		ev := logFailure(log, err, reason).Bool("cookie", binding != "").Dur("took", h.now().Sub(began))
		h.Metrics.SignInCompleted(ev, metrics.ResultFail, reason).Msg("sign-in failed")
		return Redirect(http.StatusFound, ResultURL(h.Site.URL, failParams(reason)), clear...), nil
	case done.Denied:
		ev := log.Info().Str("outcome", "denied").Dur("took", h.now().Sub(began))
		h.Metrics.SignInCompleted(ev, metrics.ResultDenied, "").Msg("sign-in cancelled at X")
		return Redirect(http.StatusFound, ResultURL(h.Site.URL, url.Values{"result": {"denied"}, "type": {"twitter"}}), clear...), nil
	}

	return h.signedIn(log, done, began, clear), nil
}

// signedIn is the answer to a finished sign-in, and its one line: the
// redirect to the site (or the return_to page) with the result, the brand's
// connection or the follow button, and the SignUps or SignInsCompleted
// count.
func (h *Handlers) signedIn(log zerolog.Logger, done signin.Finished, began time.Time, clear []string) events.APIGatewayV2HTTPResponse {
	u := done.User
	brandAccount := u.UserID == h.Site.BrandUID
	params := url.Values{"result": {"success"}, "type": {"twitter"}, "screen_name": {u.ScreenName}}
	if u.Brand {
		// The page says the sender is connected, instead of a sign-up's thanks.
		params.Set("brand", "connected")
	}
	if h.Site.FollowMode == signin.FollowIntent && u.Follow && !brandAccount {
		// The page shows a button to https://x.com/intent/follow?user_id=<id>.
		params.Set("follow", "intent")
		params.Set("follow_user_id", h.Site.BrandUID)
	}
	dest := h.Site.URL
	if u.ReturnTo != "" {
		if r, err := url.Parse(u.ReturnTo); err == nil {
			dest = r
		}
	}
	ev := log.Info().Str("outcome", "success").Str("uid", u.UserID).Bool("new_user", done.New).Bool("brand", u.Brand).
		Bool("follow", u.Follow).Bool("tweet", u.Tweet).Int("actions", len(u.Actions)).Bool("token_kept", u.Credentials.Token != "").
		Dur("took", h.now().Sub(began))
	ev = withUTM(ev, u.UTM)
	// A sign-up is a first sign-in, as make stats counts them: a returning
	// user completes a sign-in but does not sign up again, and the brand's
	// own item is nobody's sign-up.
	if done.New && !brandAccount {
		ev = h.Metrics.SignUp(ev)
	} else {
		ev = h.Metrics.SignInCompleted(ev, metrics.ResultSuccess, "")
	}
	ev.Msg("signed in")
	return Redirect(http.StatusFound, ResultURL(dest, params), clear...)
}

// withUTM adds a sign-in's attribution as plain fields, for Logs Insights
// (sign-ups by utm_source and utm_campaign): cleaned by SafeUTM and at most
// maxUTM characters each. Never a metric's dimension: the values are the
// outside world's.
func withUTM(ev *zerolog.Event, utm map[string]string) *zerolog.Event {
	for _, f := range utmFields {
		if v := utm[f.name]; v != "" {
			ev = ev.Str(f.name, v)
		}
	}
	return ev
}

// failParams are the query of a failed sign-in's redirect.
func failParams(reason signin.Reason) url.Values {
	return url.Values{"result": {"fail"}, "type": {"twitter"}, "reason": {reason.String()}}
}

// operatorHint is implemented by X's setup errors (xapi.Error).
type operatorHint interface{ OperatorHint() string }

// logFailure starts the one line a failure logs: at error level with a "fix"
// for the operator when it is a setup problem, warn otherwise.
func logFailure(log zerolog.Logger, err error, reason signin.Reason) *zerolog.Event {
	var oh operatorHint
	if errors.As(err, &oh) && oh.OperatorHint() != "" {
		return log.Error().Err(err).Str("outcome", "fail").Stringer("reason", reason).Str("fix", oh.OperatorHint())
	}
	if reason == signin.ReasonBadCallback {
		// Anyone can call the callback with any query: nothing to warn of.
		return log.Info().Err(err).Str("outcome", "fail").Stringer("reason", reason)
	}
	return log.Warn().Err(err).Str("outcome", "fail").Stringer("reason", reason)
}
