package ddblocal

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// contract is what the tables must be (README.md, "How it works"), per logical id.
var contract = map[string]struct {
	suffix, key string
	keyType     types.ScalarAttributeType
	ttl         string
	stream      types.StreamViewType
}{
	"SessionTable":   {suffix: "_session", key: "request_token", keyType: types.ScalarAttributeTypeS, ttl: "expires_at"},
	"TwitterTable":   {suffix: "_twitter", key: "uid", keyType: types.ScalarAttributeTypeN, stream: types.StreamViewTypeNewAndOldImages},
	"CampaignsTable": {suffix: "_campaigns", key: "campaign_id", keyType: types.ScalarAttributeTypeS},
}

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestDefinitionsOfServerlessYmlFollowTheContract(t *testing.T) {
	defs, err := Definitions(repoRoot(t), "staging")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range defs {
		ids = append(ids, d.LogicalID)
	}
	slices.Sort(ids)
	if want := []string{"CampaignsTable", "SessionTable", "TwitterTable"}; !slices.Equal(ids, want) {
		t.Fatalf("tables %v, want %v", ids, want)
	}
	for _, d := range defs {
		want := contract[d.LogicalID]
		t.Run(d.LogicalID+" is named, keyed and configured as the contract says", func(t *testing.T) {
			in := d.Input
			if got := aws.ToString(in.TableName); got != "staging"+want.suffix {
				t.Errorf("TableName %q, want %q", got, "staging"+want.suffix)
			}
			if len(in.KeySchema) != 1 || aws.ToString(in.KeySchema[0].AttributeName) != want.key || in.KeySchema[0].KeyType != types.KeyTypeHash {
				t.Errorf("KeySchema %+v, want HASH %s", in.KeySchema, want.key)
			}
			if len(in.AttributeDefinitions) != 1 || aws.ToString(in.AttributeDefinitions[0].AttributeName) != want.key ||
				in.AttributeDefinitions[0].AttributeType != want.keyType {
				t.Errorf("AttributeDefinitions %+v, want %s %s", in.AttributeDefinitions, want.key, want.keyType)
			}
			if in.BillingMode != types.BillingModePayPerRequest {
				t.Errorf("BillingMode %q, want on-demand", in.BillingMode)
			}
			if d.TTLAttribute != want.ttl {
				t.Errorf("TTL attribute %q, want %q", d.TTLAttribute, want.ttl)
			}
			var stream types.StreamViewType
			if s := in.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
				stream = s.StreamViewType
			}
			if stream != want.stream {
				t.Errorf("stream %q, want %q", stream, want.stream)
			}
		})
	}

	t.Run("Tables gives the same inputs in the same order", func(t *testing.T) {
		inputs, err := Tables(repoRoot(t), "staging")
		if err != nil {
			t.Fatal(err)
		}
		if len(inputs) != len(defs) {
			t.Fatalf("%d inputs, want %d", len(inputs), len(defs))
		}
		for i := range inputs {
			if aws.ToString(inputs[i].TableName) != aws.ToString(defs[i].Input.TableName) {
				t.Errorf("input %d is %s, want %s", i, aws.ToString(inputs[i].TableName), aws.ToString(defs[i].Input.TableName))
			}
		}
	})
}

func TestConfiguredStagesAreTheParamsSections(t *testing.T) {
	f, err := slsyml.Read(repoRoot(t), "staging")
	if err != nil {
		t.Fatal(err)
	}
	got := f.Stages()
	slices.Sort(got)
	if want := []string{"local", "production", "staging"}; !slices.Equal(got, want) {
		t.Errorf("stages %v, want %v", got, want)
	}
}

// A serverless.yml with one table whose name and TTL switch are the
// expressions under test.
const variablesYml = `service: svc
custom:
  suffix: _${param:kind}
  loop: ${self:custom.loop}
  prodName: prod_name
params:
  default:
    kind: default_kind
    ttlOn: false
    name: from_default
    nulled: from_default
  prod:
    kind: prod_kind
    ttlOn: true
    nulled: ~
resources:
  Resources:
    Queue:
      Type: AWS::SQS::Queue
      Properties: { QueueName: '${aws:accountId}' }
    Table:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: %NAME%
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
        KeySchema: [{ AttributeName: id, KeyType: HASH }]
        TimeToLiveSpecification: { AttributeName: exp, Enabled: '${param:ttlOn}' }
        SSESpecification: { SSEEnabled: true, KMSMasterKeyId: '${ssm:/not/read}' }
`

func TestVariablesResolveAsTheFrameworkResolvesThem(t *testing.T) {
	tests := []struct {
		name, expr, stage string
		wantName, wantTTL string
		wantErr           string
	}{
		{name: "sls:stage and self: paths are substituted", expr: "${sls:stage}${self:custom.suffix}", stage: "dev",
			wantName: "dev_default_kind"},
		{name: "a stage's param wins over the default", expr: "${sls:stage}${self:custom.suffix}", stage: "prod",
			wantName: "prod_prod_kind", wantTTL: "exp"},
		{name: "a null stage param falls back to the default", expr: "${param:nulled}", stage: "prod",
			wantName: "from_default", wantTTL: "exp"},
		{name: "a variable naming a variable resolves innermost first", expr: "${self:custom.${sls:stage}Name}", stage: "prod",
			wantName: "prod_name", wantTTL: "exp"},
		{name: "CloudFormation's own ${AWS::...} is left alone, as the framework leaves it", expr: "${sls:stage}-${AWS::Region}", stage: "dev",
			wantName: "dev-${AWS::Region}"},
		{name: "a missing param is an error naming it", expr: "${param:nope}", stage: "dev",
			wantErr: "params.dev.nope"},
		{name: "an AWS lookup is refused", expr: "${ssm:/a/b}", stage: "dev",
			wantErr: "only sls:stage"},
		{name: "a cycle is an error, not a hang", expr: "${self:custom.loop}", stage: "dev",
			wantErr: "too deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			yml := strings.Replace(variablesYml, "%NAME%", "'"+tt.expr+"'", 1)
			if err := os.WriteFile(filepath.Join(dir, "serverless.yml"), []byte(yml), 0o644); err != nil {
				t.Fatal(err)
			}
			defs, err := Definitions(dir, tt.stage)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(defs) != 1 {
				t.Fatalf("%d tables, want 1 (only the DynamoDB one)", len(defs))
			}
			if got := aws.ToString(defs[0].Input.TableName); got != tt.wantName {
				t.Errorf("TableName %q, want %q", got, tt.wantName)
			}
			if defs[0].TTLAttribute != tt.wantTTL {
				t.Errorf("TTL attribute %q, want %q", defs[0].TTLAttribute, tt.wantTTL)
			}
		})
	}
}
