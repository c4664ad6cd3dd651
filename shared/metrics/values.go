package metrics

import (
	"slices"

	"github.com/twitter-sessions/twitter-sessions/shared/reason"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// Values a dimension publishes besides its list.
const (
	Other = "other" // a value not in the dimension's list: never published as is
	None  = "none"  // the Reason of an outcome without one (a success)
)

// Result is a sign-in's answer: the Result dimension of SignInsStarted and
// SignInsCompleted (the "outcome" of the line).
type Result string

// The results.
const (
	ResultStarted Result = "started" // the browser went to X
	ResultSuccess Result = "success" // signed in (a sign-up or a returning user)
	ResultDenied  Result = "denied"  // the visitor cancelled at X
	ResultFail    Result = "fail"    // Reason says why (a sign-in or an X reason)
	ResultRefused Result = "refused" // a 4xx before any use case ran (a refusal reason)
)

// The lists. The actions and their outcomes are the user item's own
// (useritem). Each reason family is the constants of its file, checked both
// ways by this package's test: a reason added there and not here would be
// published as "other".
var (
	results  = []string{"started", "success", "denied", "fail", "refused"}
	actions  = strs(useritem.Order)
	outcomes = strs(useritem.Outcomes)

	// reasonFamilies are the lists of the Reason dimension.
	reasonFamilies = []family{
		{"signin/reasons.go", []string{
			"session_not_found", "session_expired", "session_mismatch", "session_corrupt", "bad_callback",
			"not_the_brand", "store_unavailable", "timeout", "internal",
		}},
		{"xapi/reasons.go", []string{
			"x_auth_failed", "x_token_invalid", "x_clock_skew", "x_bad_auth_data", "x_callback_not_approved",
			"x_app_not_web", "x_access_level", "x_usage_capped", "x_rate_limited", "x_unavailable",
			"x_unauthorized", "x_forbidden", "x_rejected", "x_timeout", "x_malformed",
			"x_oauth2_invalid_request", "x_oauth2_invalid_grant", "x_oauth2_invalid_client",
			"x_oauth2_unauthorized_client", "x_oauth2_invalid_scope",
		}},
		{"web/reasons.go", []string{
			"origin_not_allowed", "origin_missing", "method_not_allowed", "body_too_large",
			"unsupported_media_type", "query_too_long", "bad_encoding", "malformed_form", "malformed_query",
			"duplicate_parameter", "bad_follow", "bad_tweet", "bad_brand", "bad_utm_source", "bad_utm_medium",
			"bad_utm_campaign", "bad_utm_term", "bad_utm_content", "bad_signature", "not_through_edge",
		}},
		{"actions/reasons.go", []string{
			"revoked", "no_credentials", "unsubscribed", "recipient_refuses_dms", "follow_not_permitted",
			"follow_mode_intent", "follow_mode_off", "not_the_brand", "brand_account", "opt_in_withdrawn",
			"stuck_sending", "brand_not_connected", "store_unavailable", "unknown_action", "deadline", "error",
			"already_marked", "not_eligible_at_mark", "brand_revoked", "reconnect", "no_oauth1_app", "token_expired",
		}},
	}

	// stops is the list of the Stopped dimension: campaigns.Stop's constants
	// (campaigns/reasons.go).
	stops = []string{
		"done", "deadline", "rate_limited", "waiting", "usage_capped", "usage_capped_skipped",
		"brand_not_connected", "brand_credentials_unopenable", "busy", "lease_lost", "store_unavailable",
		"brand_reconnect", "brand_token_unavailable", "x_rejects_text",
	}
)

// family is one family of reasons: the string constants of a type declared
// in File (relative to shared/).
type family struct {
	File   string
	Values []string
}

// Allowed returns the values dimension dim may publish, "other" aside.
func Allowed(dim string) []string {
	switch dim {
	case DimResult:
		return results
	case DimAction:
		return actions
	case DimOutcome:
		return outcomes
	case DimStopped:
		return stops
	case DimReason:
		out := []string{None}
		for _, f := range reasonFamilies {
			for _, r := range f.Values {
				if !slices.Contains(out, r) {
					out = append(out, r)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	return nil
}

// bounded is v when allowed lists it, else Other.
func bounded(v string, allowed []string) string {
	if slices.Contains(allowed, v) {
		return v
	}
	return Other
}

// reasonValue is the Reason dimension's value of r: None for no reason, r
// when a family lists it, else Other.
func reasonValue(r reason.Code) string {
	if r == "" {
		return None
	}
	for _, f := range reasonFamilies {
		if slices.Contains(f.Values, r.String()) {
			return r.String()
		}
	}
	return Other
}

// strs are vs as strings.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
