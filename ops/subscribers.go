package ops

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// UTMKeys are the attribution fields the sign-up form keeps (web.ParseChoices).
var UTMKeys = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// Row is one user as the brand sees them. It has no field for a token, a
// secret, a refresh token or anything else sealed: the Scan does not even
// read those attributes (rowProjection).
type Row struct {
	UID            string `json:"uid"` // exact decimal string (ids exceed 2^53)
	ScreenName     string `json:"screen_name"`
	FirstSignIn    string `json:"first_sign_in"` // created_at, RFC 3339 UTC as stored
	LastSignIn     string `json:"last_sign_in"`
	SignIns        int64  `json:"sign_ins"`
	Subscribed     bool   `json:"subscribed"`
	UnsubscribedAt string `json:"unsubscribed_at,omitempty"`
	Revoked        bool   `json:"revoked"`
	RevokedAt      string `json:"revoked_at,omitempty"`
	// HoldsToken: the item still holds credentials (the brand's, or a
	// visitor's whose work is not finished yet); Cred is their kind,
	// oauth1 or oauth2 ("" without credentials).
	HoldsToken  bool   `json:"holds_token"`
	Cred        string `json:"cred"`
	Reconnect   bool   `json:"reconnect"`
	ReconnectAt string `json:"reconnect_at,omitempty"`
	Brand       bool   `json:"brand,omitempty"`
	Follow      bool   `json:"follow"` // the latest sign-in's choices
	Tweet       bool   `json:"tweet"`
	// Actions are keyed by action name (follow, welcome, tweet, release).
	Actions          map[string]ActionState `json:"actions"`
	FirstAttribution map[string]string      `json:"first_attribution,omitempty"`
	LastAttribution  map[string]string      `json:"last_attribution,omitempty"`
	CampaignsSent    []string               `json:"campaigns_sent,omitempty"`
}

// ActionState is where one of the user's actions stands.
type ActionState struct {
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
	UpdatedAt string `json:"updated_at,omitempty"`
}

// rowAttrs are the attributes a Row is read from. The sealed token is read
// only for its presence (HoldsToken), never written out.
var rowAttrs = []string{
	useritem.AttrToken,
	useritem.AttrUID, useritem.AttrScreenName, useritem.AttrCreatedAt, useritem.AttrLastLoginAt, useritem.AttrLogins,
	useritem.AttrSubscribed, useritem.AttrUnsubscribedAt, useritem.AttrRevoked, useritem.AttrRevokedAt,
	useritem.AttrKind, useritem.AttrReconnect, useritem.AttrReconnectAt, useritem.AttrBrand,
	useritem.AttrFollow, useritem.AttrTweet, useritem.AttrAttribution, useritem.AttrLastAttribution,
	useritem.AttrCampaignsSent,
}

// rowScan is the Scan of the users table that rows are read with.
func rowScan() *dynamodb.ScanInput {
	var e dynamo.Expr
	proj := make([]string, 0, len(rowAttrs)+3*len(useritem.Order))
	for _, a := range rowAttrs {
		proj = append(proj, e.Name(a))
	}
	for _, a := range useritem.Order {
		attr := a.Attr()
		for _, m := range []string{useritem.MemberState, useritem.MemberReason, useritem.MemberUpdatedAt} {
			proj = append(proj, e.Name(attr, m))
		}
	}
	return e.Scan("", "", strings.Join(proj, ", "))
}

// rowOf reads a Row from an item of rowScan.
func rowOf(it dynamo.Item) Row {
	r := Row{
		Subscribed: dynamo.GetBool(it, useritem.AttrSubscribed),
		Revoked:    dynamo.GetBool(it, useritem.AttrRevoked),
		Reconnect:  dynamo.GetBool(it, useritem.AttrReconnect),
		Brand:      dynamo.GetBool(it, useritem.AttrBrand),
		Follow:     dynamo.GetBool(it, useritem.AttrFollow),
		Tweet:      dynamo.GetBool(it, useritem.AttrTweet),
		Actions:    map[string]ActionState{},

		FirstAttribution: dynamo.GetStringMap(it, useritem.AttrAttribution),
		LastAttribution:  dynamo.GetStringMap(it, useritem.AttrLastAttribution),
		CampaignsSent:    dynamo.GetStringSet(it, useritem.AttrCampaignsSent),
	}
	r.UID, _ = dynamo.GetN(it, useritem.AttrUID)
	r.ScreenName, _ = dynamo.GetS(it, useritem.AttrScreenName)
	r.FirstSignIn, _ = dynamo.GetS(it, useritem.AttrCreatedAt)
	r.LastSignIn, _ = dynamo.GetS(it, useritem.AttrLastLoginAt)
	r.SignIns, _ = dynamo.GetInt(it, useritem.AttrLogins)
	r.UnsubscribedAt, _ = dynamo.GetS(it, useritem.AttrUnsubscribedAt)
	r.RevokedAt, _ = dynamo.GetS(it, useritem.AttrRevokedAt)
	r.ReconnectAt, _ = dynamo.GetS(it, useritem.AttrReconnectAt)
	if tok, _ := dynamo.GetS(it, useritem.AttrToken); tok != "" {
		r.HoldsToken, r.Cred = true, string(signin.KindOAuth1) // an item without cred holds OAuth 1.0a credentials
		if k, ok := dynamo.GetS(it, useritem.AttrKind); ok && k != "" {
			r.Cred = k
		}
	}
	for _, a := range useritem.Order {
		m, ok := dynamo.GetM(it, a.Attr())
		if !ok {
			continue
		}
		var s ActionState
		s.State, _ = dynamo.GetS(m, useritem.MemberState)
		s.Reason, _ = dynamo.GetS(m, useritem.MemberReason)
		s.UpdatedAt, _ = dynamo.GetS(m, useritem.MemberUpdatedAt)
		r.Actions[string(a)] = s
	}
	return r
}
