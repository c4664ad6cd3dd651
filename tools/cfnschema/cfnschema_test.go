package cfnschema

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

var (
	specOnce sync.Once
	theSpec  *Spec
	specErr  error
)

// spec loads the real spec once (npm ci installs it; make test runs npm ci).
func spec(t *testing.T) *Spec {
	t.Helper()
	specOnce.Do(func() {
		path, err := Locate(".")
		if err != nil {
			specErr = err
			return
		}
		theSpec, specErr = Load(path)
	})
	if specErr != nil {
		t.Fatal(specErr)
	}
	return theSpec
}

func TestLoadReadsTheSpec(t *testing.T) {
	s := spec(t)
	if s.Len() < 1000 {
		t.Fatalf("%d resource types, want the whole spec (over 1000)", s.Len())
	}
	topic := s.Resource("AWS::SNS::Topic")
	if topic == nil || topic.Properties.Props["TopicName"] == nil || topic.Attributes["TopicArn"] == nil {
		t.Fatalf("AWS::SNS::Topic is not as expected: %+v", topic)
	}
	// Nested property types are followed, dotted attributes kept as such.
	stage := s.Resource("AWS::ApiGatewayV2::Stage")
	routes := stage.Properties.Props["DefaultRouteSettings"].Type
	if routes.Kind != KindRef || routes.Object.Props["ThrottlingRateLimit"].Type.Kind != KindNumber {
		t.Fatalf("DefaultRouteSettings: %v", routes)
	}
	if s.Resource("AWS::RDS::DBInstance").Attributes["Endpoint.Address"] == nil {
		t.Fatal("AWS::RDS::DBInstance has no attribute Endpoint.Address")
	}
	if !stage.Properties.Props["ApiId"].Required {
		t.Fatal("AWS::ApiGatewayV2::Stage ApiId is not required")
	}
}

func TestLocate(t *testing.T) {
	got, err := Locate(".")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(filepath.ToSlash(got), DBPath) {
		t.Fatalf("Locate = %s", got)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Locate(filepath.Join(dir)); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("Locate without the package: %v, want an error that says to run npm ci", err)
	}
}

// A spec whose format is not understood must fail to load, not be half used.
func TestReadRefusesWhatItDoesNotKnow(t *testing.T) {
	for name, tc := range map[string]struct{ db, want string }{
		"unknown kind": {`{"schema":{"resource":{"entities":[{"$id":"1","cloudFormationType":"AWS::X::Y",
			"properties":{"P":{"type":{"type":"frobnicated"}}},"attributes":{}}]},
			"typeDefinition":{"entities":[{"$id":"2","name":"T","properties":{}}]}}}`, `unknown kind of type "frobnicated"`},
		"dangling reference": {`{"schema":{"resource":{"entities":[{"$id":"1","cloudFormationType":"AWS::X::Y",
			"properties":{"P":{"type":{"type":"ref","reference":{"$ref":"9"}}}},"attributes":{}}]},
			"typeDefinition":{"entities":[{"$id":"2","name":"T","properties":{}}]}}}`, `reference to unknown property type "9"`},
		"another layout": {`{"resources":[]}`, "no resources or no property types"},
	} {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write([]byte(tc.db))
		zw.Close()
		_, err := Read(&buf)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Read: %v, want %q", name, err, tc.want)
		}
	}
}

func check(t *testing.T, template string) []string {
	t.Helper()
	ps, err := spec(t).Validate([]byte(template))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// A template that uses much of what CloudFormation accepts has no problem.
func TestValidTemplate(t *testing.T) {
	const tpl = `{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Description": "everything that must pass",
  "Parameters": {
    "Origins": {"Type": "CommaDelimitedList", "Default": "https://a.example,https://b.example"},
    "Email": {"Type": "String", "Default": ""},
    "Size": {"Type": "Number", "Default": 5}
  },
  "Mappings": {"Sizes": {"staging": {"Memory": 128}}},
  "Conditions": {
    "HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]},
    "NoEmail": {"Fn::Not": [{"Condition": "HasEmail"}]},
    "Both": {"Fn::And": [{"Condition": "HasEmail"}, {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]}]}
  },
  "Resources": {
    "Topic": {"Type": "AWS::SNS::Topic", "Properties": {
      "TopicName": {"Fn::Sub": "${AWS::StackName}-alarms"},
      "Tags": [{"Key": "stage", "Value": 1}]}},
    "Sub": {"Type": "AWS::SNS::Subscription", "Condition": "HasEmail", "Properties": {
      "TopicArn": {"Ref": "Topic"}, "Protocol": "email", "Endpoint": {"Ref": "Email"},
      "RawMessageDelivery": "true",
      "FilterPolicy": "{\"a\": [\"b\"]}"}},
    "Queue": {"Type": "AWS::SQS::Queue", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain", "Properties": {
      "VisibilityTimeout": "30", "RedrivePolicy": {"maxReceiveCount": 5, "deadLetterTargetArn": {"Fn::GetAtt": "Dead.Arn"}}}},
    "Dead": {"Type": "AWS::SQS::Queue"},
    "Alarm": {"Type": "AWS::CloudWatch::Alarm", "DependsOn": ["Topic", "Queue"], "Properties": {
      "Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible",
      "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["Queue", "QueueName"]}}],
      "Statistic": "Maximum", "Period": 300, "EvaluationPeriods": "1", "Threshold": 0.5,
      "ComparisonOperator": "GreaterThanThreshold",
      "AlarmActions": [{"Ref": "Topic"}, {"Fn::If": ["HasEmail", {"Ref": "Topic"}, {"Ref": "AWS::NoValue"}]}],
      "OKActions": {"Fn::If": ["NoEmail", [], [{"Ref": "Topic"}]]}}},
    "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
      "Name": "api", "ProtocolType": "HTTP",
      "CorsConfiguration": {"AllowOrigins": {"Fn::Split": [",", {"Fn::Join": [",", {"Ref": "Origins"}]}]},
        "AllowMethods": {"Ref": "Origins"}, "MaxAge": 600, "AllowCredentials": true}}},
    "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
      "ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": true,
      "DefaultRouteSettings": {"ThrottlingRateLimit": 20.5, "ThrottlingBurstLimit": 40}}},
    "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}},
    "Role": {"Type": "AWS::IAM::Role", "Properties": {
      "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
      "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sqs:*",
        "Resource": [{"Fn::GetAtt": ["Queue", "Arn"]}, {"Fn::Sub": ["${Q}/*", {"Q": {"Fn::GetAtt": ["Dead", "Arn"]}}]}]}]}}]}},
    "Fn": {"Type": "AWS::Lambda::Function", "Properties": {
      "Code": {"ZipFile": "exports.handler = async () => {}"}, "Role": {"Fn::GetAtt": ["Role", "Arn"]},
      "Handler": "index.handler", "Runtime": "nodejs20.x",
      "MemorySize": {"Fn::FindInMap": ["Sizes", "staging", "Memory"]},
      "Timeout": {"Ref": "Size"}, "ReservedConcurrentExecutions": 20,
      "Environment": {"Variables": {"PORT": 8080, "DEBUG": false,
        "DB": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
        "AZ": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
        "URL": {"Fn::Sub": "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${!literal}"},
        "OUT": {"Fn::GetAtt": ["Nested", "Outputs.Url"]}}}}},
    "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.t4g.micro", "Engine": "postgres"}},
    "Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "https://example.com/t.json",
      "Parameters": {"A": "b"}}},
    "Custom": {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Fn", "Arn"]},
      "Whatever": {"nested": [1, {"Ref": "Queue"}]}}},
    "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
      "BillingMode": "PAY_PER_REQUEST",
      "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
      "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
    "Component": {"Type": "AWS::AmplifyUIBuilder::Component", "Properties": {
      "Overrides": {"a": ["only the previous type (json) accepts this"]}}}
  },
  "Outputs": {
    "TopicArn": {"Value": {"Ref": "Topic"}, "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-topic"}}},
    "Email": {"Condition": "HasEmail", "Description": "the subscription", "Value": {"Ref": "Sub"}},
    "Custom": {"Value": {"Fn::GetAtt": ["Custom", "Anything"]}}
  }
}`
	if got := check(t, tpl); len(got) != 0 {
		t.Errorf("problems of a valid template:\n%s", strings.Join(got, "\n"))
	}
}

func TestProblems(t *testing.T) {
	// Each case is a resource (or the sections given) added to a template
	// that has a topic, a queue, a parameter and a condition.
	base := func(resources, extra string) string {
		if resources != "" {
			resources = "," + resources
		}
		return `{"Parameters": {"Email": {"Type": "String"}, "Ids": {"Type": "List<AWS::EC2::Subnet::Id>"}},
  "Conditions": {"HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}},
  "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}, "Queue": {"Type": "AWS::SQS::Queue"}` + resources + `}` + extra + `}`
	}
	for _, tc := range []struct {
		name, resources, extra string
		want                   []string
	}{
		{"unknown type", `"X": {"Type": "AWS::SNS::Topik", "Properties": {"TopicName": {"Ref": "Nope"}}}`, "", []string{
			`Resources.X.Type: unknown resource type "AWS::SNS::Topik" (did you mean AWS::SNS::Topic?)`,
			`Resources.X.Properties.TopicName.Ref: "Nope" is not a resource, parameter or pseudo parameter`,
		}},
		{"unknown property", `"X": {"Type": "AWS::SNS::Topic", "Properties": {"TopicNmae": "t"}}`, "", []string{
			`Resources.X.Properties.TopicNmae: unknown property of AWS::SNS::Topic (did you mean TopicName?)`,
		}},
		{"unknown nested property", `"X": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": "a", "ProtocolType": "HTTP",
			"CorsConfiguration": {"AllowOrigin": ["*"]}}}`, "", []string{
			`Resources.X.Properties.CorsConfiguration.AllowOrigin: unknown property of Cors (did you mean AllowOrigins?)`,
		}},
		{"wrong types", `"X": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {"ApiId": "a", "StageName": "s",
			"AutoDeploy": "yes", "DefaultRouteSettings": {"ThrottlingRateLimit": "fast", "ThrottlingBurstLimit": 1.5}}}`, "", []string{
			`Resources.X.Properties.AutoDeploy: want boolean, got string "yes"`,
			`Resources.X.Properties.DefaultRouteSettings.ThrottlingBurstLimit: want integer, got 1.5`,
			`Resources.X.Properties.DefaultRouteSettings.ThrottlingRateLimit: want number, got string "fast"`,
		}},
		{"object and array mix-ups", `"X": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
			"AlarmActions": {"Ref": "Topic"}, "Dimensions": {"Name": "a", "Value": "b"}, "MetricName": ["m"]}}`, "", []string{
			`Resources.X.Properties.AlarmActions: want array of string, got string (Ref)`,
			`Resources.X.Properties.Dimensions: want array of Dimension, got object`,
			`Resources.X.Properties.MetricName: want string, got array`,
		}},
		{"functions that give the wrong thing", `"X": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"Name": {"Fn::Split": [",", "a,b"]},
			"CorsConfiguration": {"AllowOrigins": {"Fn::Join": [",", ["a", "b"]]}, "AllowHeaders": [{"Ref": "Ids"}],
			"AllowMethods": {"Ref": "Ids"}}}}`, "", []string{
			`Resources.X.Properties.CorsConfiguration.AllowHeaders[0]: want string, got list (Ref)`,
			`Resources.X.Properties.CorsConfiguration.AllowOrigins: want array of string, got string (Fn::Join)`,
			`Resources.X.Properties.Name: want string, got list (Fn::Split)`,
		}},
		{"missing required properties", `"X": {"Type": "AWS::Logs::MetricFilter", "Properties": {"LogGroupName": "g",
			"MetricTransformations": [{"MetricName": "m", "MetricNamespace": "n"}]}}, "Y": {"Type": "AWS::SNS::Subscription"}`, "", []string{
			`Resources.X.Properties.MetricTransformations[0].MetricValue: missing required property of MetricTransformation`,
			`Resources.X.Properties.FilterPattern: missing required property of AWS::Logs::MetricFilter`,
			`Resources.Y.Properties.Protocol: missing required property of AWS::SNS::Subscription`,
			`Resources.Y.Properties.TopicArn: missing required property of AWS::SNS::Subscription`,
		}},
		{"GetAtt", `"X": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Dimensions": [
			{"Name": "a", "Value": {"Fn::GetAtt": ["Queue", "Name"]}},
			{"Name": "b", "Value": {"Fn::GetAtt": ["Queu", "QueueName"]}},
			{"Name": "c", "Value": {"Fn::GetAtt": "Db.Endpoint.Adress"}}]}},
			"Db": {"Type": "AWS::RDS::DBInstance"}`, "", []string{
			`Resources.X.Properties.Dimensions[0].Value.Fn::GetAtt: AWS::SQS::Queue Queue has no attribute "Name" (it has Arn, QueueName, QueueUrl)`,
			`Resources.X.Properties.Dimensions[1].Value.Fn::GetAtt: no resource "Queu" in the template (did you mean Queue?)`,
			`Resources.X.Properties.Dimensions[2].Value.Fn::GetAtt: AWS::RDS::DBInstance Db has no attribute "Endpoint.Adress" (did you mean Endpoint.Address?) (it has AutomaticRestartTime, CertificateDetails, CertificateDetails.CAIdentifier, CertificateDetails.ValidTill, DBInstanceArn, DBInstanceStatus, DBSystemId, DbiResourceId, Endpoint, Endpoint.Address, Endpoint.HostedZoneId, Endpoint.Port and 16 more)`,
		}},
		{"Sub references", `"X": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Sub": ["${Queue.Arn}-${Queue.Nope}-${Mystery}-${V}-${AWS::Region}", {"V": "v"}]}}}`, "", []string{
			`Resources.X.Properties.TopicName.Fn::Sub: AWS::SQS::Queue Queue has no attribute "Nope" (it has Arn, QueueName, QueueUrl)`,
			`Resources.X.Properties.TopicName.Fn::Sub: "Mystery" is not a resource, parameter or pseudo parameter`,
		}},
		{"resource attributes", `"X": {"Type": "AWS::SNS::Topic", "Condition": "HasMail", "DependsOn": ["Queue", "Qeue"],
			"DeletionPolicy": "Keep", "Propertes": {}}`, "", []string{
			`Resources.X.Propertes: unknown resource attribute (did you mean Properties?)`,
			`Resources.X.Condition: no condition "HasMail" in Conditions (did you mean HasEmail?)`,
			`Resources.X.DependsOn[1]: no resource "Qeue" in the template (did you mean Queue?)`,
			`Resources.X.DeletionPolicy: want one of "Delete", "Retain", "RetainExceptOnCreate", "Snapshot", got "Keep"`,
		}},
		{"Fn::If", `"X": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": {"Fn::If": ["HasEmail", 5, "five"]},
			"QueueName": {"Fn::If": ["Nope", "a", "b"]}}}`, "", []string{
			`Resources.X.Properties.DelaySeconds.Fn::If[2]: want integer, got string "five"`,
			`Resources.X.Properties.QueueName.Fn::If[0]: no condition "Nope" in Conditions`,
		}},
		{"allowed values and null", `"X": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 10, "LogGroupClass": "standard", "KmsKeyId": null}}`, "", []string{
			`Resources.X.Properties.KmsKeyId: null is not allowed (leave the property out)`,
			`Resources.X.Properties.LogGroupClass: want one of "STANDARD", "INFREQUENT_ACCESS", "DELIVERY", got "standard"`,
			`Resources.X.Properties.RetentionInDays: want one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, got 10`,
		}},
		{"union: arrays are checked as arrays", `"X": {"Type": "AWS::DynamoDB::Table", "Properties": {
			"KeySchema": [{"AttributeName": "id", "Type": "HASH"}]}}`, "", []string{
			`Resources.X.Properties.KeySchema[0].Type: unknown property of KeySchema`,
			`Resources.X.Properties.KeySchema[0].KeyType: missing required property of KeySchema`,
		}},
		{"custom resources", `"X": {"Type": "Custom::Thing", "Properties": {"Size": {"Ref": "Missing"}}}, "Y": {"Type": "Custom::a.b"}`, "", []string{
			`Resources.X.Properties.Size.Ref: "Missing" is not a resource, parameter or pseudo parameter`,
			`Resources.X.Properties.ServiceToken: missing required property of a custom resource`,
			`Resources.Y.Type: a custom resource type is Custom:: and up to 60 characters of A-Z, a-z, 0-9, _ @ -, got "Custom::a.b"`,
			`Resources.Y.Properties.ServiceToken: missing required property of a custom resource`,
		}},
		{"circular dependency", `"A": {"Type": "AWS::SQS::Queue", "DependsOn": "B"}, "B": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::GetAtt": ["A", "QueueName"]}}}`, "", []string{
			`Resources.A: circular dependency between A, B`,
		}},
		{"circular dependency through a custom resource", `"F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"ZipFile": "x"},
			"Role": "arn", "Environment": {"Variables": {"C": {"Fn::GetAtt": ["C", "Anything"]}}}}},
			"C": {"Type": "Custom::Thing", "Properties": {"ServiceToken": {"Fn::GetAtt": ["F", "Arn"]}}}`, "", []string{
			`Resources.C: circular dependency between C, F`,
		}},
		{"output values are strings", "", `, "Outputs": {"Out": {"Value": {"Ref": "Ids"}, "Condition": "HasEmail"}}`, []string{
			`Outputs.Out.Value: want string, got list (Ref)`,
		}},
		{"sections and serverless types", `"F": {"Type": "AWS::Serverless::Function", "Properties": {"Handler": "h", "Runtime": "go1.x", "CodeUri": "."}}`,
			`, "Output": {}`, []string{
				`Output: unknown template section (did you mean Outputs?)`,
				`Resources.F.Type: AWS::Serverless::Function needs the template's Transform to include AWS::Serverless-2016-10-31`,
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(t, base(tc.resources, tc.extra))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

func TestConditionsCannotReferToResources(t *testing.T) {
	got := check(t, `{"Conditions": {"C": {"Fn::Equals": [{"Ref": "Topic"}, "x"]}, "D": {"Condition": "E"}},
		"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Fn::Equals": ["a", "b"]}}}}}`)
	want := []string{
		`Conditions.C.Fn::Equals[0].Ref: conditions can only refer to parameters, not to resource "Topic"`,
		`Conditions.D.Condition: no condition "E" in Conditions`,
		`Resources.Topic.Properties.TopicName.Fn::Equals: Fn::Equals belongs in Conditions (use a named condition with Fn::If)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestValidateRefusesWhatIsNotATemplate(t *testing.T) {
	s := spec(t)
	for _, in := range []string{`[]`, `{"Resources": {}`, `{} {}`} {
		if _, err := s.Validate([]byte(in)); err == nil {
			t.Errorf("Validate(%s): no error", in)
		}
	}
	// Check takes a template decoded without UseNumber too.
	var tpl map[string]any
	if err := json.Unmarshal([]byte(`{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"DelaySeconds": 1.5}}}}`), &tpl); err != nil {
		t.Fatal(err)
	}
	got := s.Check(tpl)
	if len(got) != 1 || got[0].String() != "Resources.Q.Properties.DelaySeconds: want integer, got 1.5" {
		t.Errorf("Check: %v", got)
	}
}
