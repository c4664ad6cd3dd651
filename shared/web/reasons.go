package web

import "github.com/twitter-sessions/twitter-sessions/shared/reason"

// Reason is why a request is refused with a 4xx before any use case runs
// (Problem.Reason): in the JSON body's "reason" for clients that asked for
// JSON, and in the log line.
type Reason = reason.Code

// The refusals.
const (
	ReasonOriginNotAllowed     Reason = "origin_not_allowed"     // 403: another site's page posted the form
	ReasonOriginMissing        Reason = "origin_missing"         // 403: neither Origin nor Referer names the page
	ReasonMethodNotAllowed     Reason = "method_not_allowed"     // 405
	ReasonBodyTooLarge         Reason = "body_too_large"         // 413: over MaxBody
	ReasonUnsupportedMediaType Reason = "unsupported_media_type" // 415: not application/x-www-form-urlencoded
	ReasonQueryTooLong         Reason = "query_too_long"         // 414: over MaxQuery
	ReasonBadEncoding          Reason = "bad_encoding"           // 400: marked base64 and not
	ReasonMalformedForm        Reason = "malformed_form"         // 400: not URL encoding, or not UTF-8
	ReasonMalformedQuery       Reason = "malformed_query"        // 400: the same, in the query string
	ReasonDuplicateParameter   Reason = "duplicate_parameter"    // 400: a parameter given twice
	ReasonBadFollow            Reason = "bad_follow"             // 400: follow is not true or false
	ReasonBadTweet             Reason = "bad_tweet"              // 400: tweet is not true or false
	ReasonBadBrand             Reason = "bad_brand"              // 400: brand is not true or false
	ReasonBadUTMSource         Reason = "bad_utm_source"         // 400: over 200 characters
	ReasonBadUTMMedium         Reason = "bad_utm_medium"         // 400: over 200 characters
	ReasonBadUTMCampaign       Reason = "bad_utm_campaign"       // 400: over 200 characters
	ReasonBadUTMTerm           Reason = "bad_utm_term"           // 400: over 200 characters
	ReasonBadUTMContent        Reason = "bad_utm_content"        // 400: over 200 characters
	ReasonBadSignature         Reason = "bad_signature"          // 400: an unsubscribe link that does not verify
	ReasonNotThroughEdge       Reason = "not_through_edge"       // 403: edge protection on, and the request did not come through CloudFront
)
