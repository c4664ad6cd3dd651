package ops

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// DB is the part of the DynamoDB client the commands call.
type DB interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Target is one stage's tables and the DynamoDB that holds them.
type Target struct {
	Stage          string
	Local          bool   // make dev's DynamoDB Local
	Endpoint       string // DynamoDB's URL when not AWS's own
	Where          string // for messages: "DynamoDB Local at http://...", "AWS us-east-1"
	DB             DB
	UsersTable     string // <stage>_twitter
	SessionTable   string // <stage>_session
	CampaignsTable string // <stage>_campaigns
	BrandUID       string // FOLLOW_UID; "" when the stage does not say

	// Env holds the stage's variables as the functions get them: secrets as
	// values on the local stage, as SSM parameter names (X_SSM) on deployed
	// ones, read from params.
	Env    map[string]string
	params config.SecretSource
}

// Options say which stage to open and how to reach it.
type Options struct {
	Stage string
	// EnvFile (local) overlays the local stage, as make dev reads it;
	// "" is .env.local.
	EnvFile string
	// Endpoint (local) is DynamoDB Local; "" is $AWS_ENDPOINT_URL_DYNAMODB,
	// else http://127.0.0.1:8000 (make dev's), as make campaign finds it.
	Endpoint string
	Getenv   func(string) string
}

// stageVars are what the commands read of a stage's environment
// (serverless.yml's provider.environment).
var stageVars = []string{
	"TWITTER_TABLE", "SESSION_TABLE", "CAMPAIGNS_TABLE", "FOLLOW_UID", "TWITTER_API_BASE_URL", "TWITTER_CLIENT_ID",
	"TWITTER_CONSUMER_KEY",
	"TOKEN_ENCRYPTION_KEY", "TOKEN_ENCRYPTION_KEY_SSM", "TOKEN_ENCRYPTION_OLD_KEYS", "TOKEN_ENCRYPTION_OLD_KEYS_SSM",
	"LINK_SIGNING_KEY", "LINK_SIGNING_KEY_SSM", "TWITTER_CLIENT_SECRET", "TWITTER_CLIENT_SECRET_SSM",
	"TWITTER_CONSUMER_SECRET", "TWITTER_CONSUMER_SECRET_SSM",
}

// deployOverrides are the stage settings a deploy may have been given with
// --param rather than in serverless.yml: the operator's environment wins.
var deployOverrides = []string{"FOLLOW_UID", "TWITTER_CLIENT_ID", "TWITTER_CONSUMER_KEY", "TWITTER_API_BASE_URL"}

// Resolve opens the stage: "local" is make dev's DynamoDB Local; a stage
// that serverless.yml configures (staging, production) is AWS, reached with
// the SDK's default credentials (profiles, SSO, environment).
func Resolve(ctx context.Context, o Options) (*Target, error) {
	if o.Getenv == nil {
		o.Getenv = func(string) string { return "" }
	}
	if o.Stage == "" {
		return nil, ErrNoStage
	}
	if o.Stage == "local" {
		return openLocal(ctx, o)
	}
	root, err := slsyml.RepoRoot()
	if err != nil {
		return nil, err
	}
	deployed, err := deployedStages(root)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(deployed, o.Stage) {
		return nil, fmt.Errorf("%w %q: serverless.yml configures local, %s", ErrUnknownStage, o.Stage, strings.Join(deployed, ", "))
	}
	return openDeployed(ctx, root, o.Stage, o.Getenv)
}

// deployedStages are the stages of serverless.yml's params, but default and
// local.
func deployedStages(root string) ([]string, error) {
	var params map[string]any
	if err := slsyml.Decode(root, "local", "params", &params); err != nil {
		return nil, err
	}
	var out []string
	for k := range params {
		if k != "default" && k != "local" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out, nil
}

func openLocal(ctx context.Context, o Options) (*Target, error) {
	stage, err := ddblocal.LoadLocalStage(firstNonEmpty(o.EnvFile, ".env.local"))
	if err != nil {
		return nil, err
	}
	endpoint := firstNonEmpty(o.Endpoint, o.Getenv("AWS_ENDPOINT_URL_DYNAMODB"), "http://127.0.0.1:8000")
	db, err := ddblocal.Client(ctx, endpoint)
	if err != nil {
		return nil, err
	}
	t := &Target{Stage: "local", Local: true, Endpoint: endpoint, Where: "DynamoDB Local at " + endpoint, DB: db, Env: stage.Env}
	t.fromEnv()
	return t, nil
}

// openDeployed opens a stage in AWS: its variables from serverless.yml, the
// region of the stage (unless AWS_REGION says otherwise), and credentials
// that AWS must be able to give before anything is read.
func openDeployed(ctx context.Context, root, stage string, getenv func(string) string) (*Target, error) {
	f, err := slsyml.Read(root, stage)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, name := range stageVars {
		var v string
		// A variable serverless.yml does not plainly give (absent, or built
		// by CloudFormation) stays unset.
		if err := f.Decode("provider.environment."+name, &v); err == nil {
			env[name] = v
		}
	}
	for _, name := range deployOverrides {
		if v := getenv(name); v != "" {
			env[name] = v
		}
	}
	region := firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))
	if region == "" {
		if err := f.Decode("provider.region", &region); err != nil {
			return nil, err
		}
	}
	cfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoCredentials, err)
	}
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	if cfg.Credentials == nil {
		return nil, fmt.Errorf("%w for stage %s: set AWS_PROFILE (and aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", ErrNoCredentials, stage)
	}
	if _, err := cfg.Credentials.Retrieve(cctx); err != nil {
		return nil, fmt.Errorf("%w for stage %s: set AWS_PROFILE (and aws sso login) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (%w)", ErrNoCredentials, stage, err)
	}
	t := &Target{Stage: stage, Where: "AWS " + region, DB: dynamodb.NewFromConfig(cfg), Env: env,
		params: config.SSM{AWS: cfg, Endpoint: config.SSMEndpoint(getenv)}}
	if ep := getenv("AWS_ENDPOINT_URL_DYNAMODB"); ep != "" {
		t.Endpoint, t.Where = ep, "DynamoDB at "+ep+" (AWS_ENDPOINT_URL_DYNAMODB)"
	}
	t.fromEnv()
	return t, nil
}

func (t *Target) fromEnv() {
	t.UsersTable, t.SessionTable, t.CampaignsTable = t.Env["TWITTER_TABLE"], t.Env["SESSION_TABLE"], t.Env["CAMPAIGNS_TABLE"]
	t.BrandUID = t.Env["FOLLOW_UID"]
}

// Describe is the line a command prints first (on stderr): which stage,
// where, which tables.
func (t *Target) Describe() string {
	return fmt.Sprintf("stage %s: %s, %s, %s on %s", t.Stage, t.UsersTable, t.SessionTable, t.CampaignsTable, t.Where)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
