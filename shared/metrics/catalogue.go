package metrics

// Service is serverless.yml's service: the first part of every namespace.
const Service = "twitter-sessions"

// Namespace is a stage's namespace, ${self:service}/${sls:stage} in the
// template (its dashboard, and the metric filter of unknown outcomes). One
// namespace per stage keeps Stage out of the dimensions.
func Namespace(stage string) string { return Service + "/" + stage }

// Unit is a CloudWatch unit (MetricDatum's Unit).
type Unit string

// Count is the unit of every metric here: they count outcomes.
const Count Unit = "Count"

// The dimensions: names of the line's members that hold their values.
// Capitalised, so that they never collide with the line's own fields
// ("reason", "outcome", "action"), which keep the raw value.
const (
	DimResult  = "Result"  // a sign-in's answer (Result)
	DimReason  = "Reason"  // a reason of a known family, "none" or "other"
	DimAction  = "Action"  // follow, welcome, tweet, release
	DimOutcome = "Outcome" // the state an action's run recorded
	DimStopped = "Stopped" // why a campaign run ended (a campaigns.Stop)
)

// The metric names: each is also the member of the line holding the value.
const (
	SignInsStarted      = "SignInsStarted"      // 1 per answered POST /api/twitter-session
	SignInsCompleted    = "SignInsCompleted"    // 1 per answered GET /api/twitter-callback
	SignUps             = "SignUps"             // 1 per first sign-in of a user other than the brand
	ActionOutcomes      = "ActionOutcomes"      // 1 per recorded follow, welcome DM, opt-in post, release
	CampaignRuns        = "CampaignRuns"        // 1 per campaign run
	CampaignDMsSent     = "CampaignDMsSent"     // DMs X accepted in the run
	CampaignDMsSkipped  = "CampaignDMsSkipped"  // recipients passed over (unsubscribed, revoked, already marked)
	CampaignDMsFailed   = "CampaignDMsFailed"   // DMs X refused (the recipient accepts no DMs, ...)
	CampaignDMsUnknown  = "CampaignDMsUnknown"  // DMs X answered 5xx or not at all: maybe delivered, never sent again
	CampaignsUnfinished = "CampaignsUnfinished" // 1 when the campaign has subscribers to go after the run, else 0
	CampaignRemaining   = "CampaignRemaining"   // an estimate of the users the campaign has still to go through
)

// Metric is one metric of a directive.
type Metric struct {
	Name string
	Unit Unit
}

// Directive is what one kind of outcome line publishes: EMF's
// MetricDirective without its namespace. Each dimension set publishes every
// metric once: a metric exists in CloudWatch under each set, so a
// dashboard's query must name exactly one set's dimensions.
type Directive struct {
	Function   string     // the function whose log carries the line
	Line       string     // which line (its message, or the handler that logs it)
	Dimensions [][]string // an empty set publishes the metric without dimension
	Metrics    []Metric
}

// The directives. Sign-ins and actions are counted by the line of each
// outcome; a campaign's DMs by its run's line, whose counts are the run's
// own (a skipped recipient's line is debug only, absent in production).
var (
	// SignInStart is on every outcome line of StartSignIn (started, fail,
	// refused). Reason is "none" when the sign-in started.
	SignInStart = Directive{
		Function: "generate_session", Line: "web.Handlers.StartSignIn: sign-in started / not started",
		Dimensions: [][]string{{DimResult}, {DimResult, DimReason}},
		Metrics:    []Metric{{SignInsStarted, Count}},
	}
	// SignInFinish is on every outcome line of Callback (success, denied,
	// fail). A success is any completed sign-in: a returning user's and the
	// brand's too.
	SignInFinish = Directive{
		Function: "twitter_callback", Line: "web.Handlers.Callback: signed in / sign-in failed / cancelled",
		Dimensions: [][]string{{DimResult}, {DimResult, DimReason}},
		Metrics:    []Metric{{SignInsCompleted, Count}},
	}
	// SignUp is also on the "signed in" line of a first sign-in (the write
	// created the user; new_user true), the brand's excepted: what make
	// stats counts as a sign-up (created_at), as it happens.
	SignUp = Directive{
		Function: "twitter_callback", Line: "web.Handlers.Callback: signed in (new_user, not the brand)",
		Dimensions: [][]string{{}},
		Metrics:    []Metric{{SignUps, Count}},
	}
	// ActionOutcome is on the "action outcome" line of each action a run
	// recorded, and on the sweep's line of a stuck action marked unknown.
	ActionOutcome = Directive{
		Function: "twitter_actions", Line: "action outcome; stuck action marked unknown",
		Dimensions: [][]string{{DimAction, DimOutcome}, {DimAction, DimOutcome, DimReason}},
		Metrics:    []Metric{{ActionOutcomes, Count}},
	}
	// CampaignProgress and CampaignStop are both on the "campaign run" line:
	// the run's counts (no dimension: summed over campaigns), and the run
	// itself by why it stopped.
	CampaignProgress = Directive{
		Function: "twitter_actions", Line: "campaign run",
		Dimensions: [][]string{{}},
		Metrics: []Metric{
			{CampaignDMsSent, Count}, {CampaignDMsSkipped, Count}, {CampaignDMsFailed, Count},
			{CampaignDMsUnknown, Count}, {CampaignsUnfinished, Count},
		},
	}
	CampaignStop = Directive{
		Function: "twitter_actions", Line: "campaign run",
		Dimensions: [][]string{{DimStopped}},
		Metrics:    []Metric{{CampaignRuns, Count}},
	}
	// CampaignLeft is on the "campaign run" line when the run knows the
	// users table's approximate item count (a DescribeTable at its end):
	// the campaign's estimate of users still to go, 0 once it is done.
	CampaignLeft = Directive{
		Function: "twitter_actions", Line: "campaign run (the users table's item count known)",
		Dimensions: [][]string{{}},
		Metrics:    []Metric{{CampaignRemaining, Count}},
	}
)

// Catalogue is every directive the functions emit.
var Catalogue = []Directive{SignInStart, SignInFinish, SignUp, ActionOutcome, CampaignProgress, CampaignStop, CampaignLeft}
