package ssmlocal_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/tools/ssmlocal"
)

func sdkClient(endpoint string) *ssm.Client {
	return ssm.New(ssm.Options{
		Region:       "eu-west-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
	})
}

// The SDK's ssm client (tws keys) and the functions' own signed request
// (shared/config.SSM) both work against the stand-in, with SSM's semantics
// for the cases the project relies on.
func TestTheSDKClientAndTheFunctionsClientBothWork(t *testing.T) {
	ctx := context.Background()
	s, endpoint := ssmlocal.ForTest(t)
	c := sdkClient(endpoint)

	t.Run("a missing parameter is the SDK's ParameterNotFound", func(t *testing.T) {
		_, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p/missing"), WithDecryption: aws.Bool(true)})
		var nf *types.ParameterNotFound
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v, want *types.ParameterNotFound", err)
		}
	})
	t.Run("a SecureString put with Overwrite reads back decrypted, with its version", func(t *testing.T) {
		for i, v := range []string{"first", "second"} {
			out, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/p/key"), Value: aws.String(v), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)})
			if err != nil || out.Version != int64(i+1) {
				t.Fatalf("put %d: %v, %+v", i, err, out)
			}
		}
		got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p/key"), WithDecryption: aws.Bool(true)})
		if err != nil || aws.ToString(got.Parameter.Value) != "second" || got.Parameter.Type != types.ParameterTypeSecureString ||
			got.Parameter.Version != 2 || got.Parameter.LastModifiedDate == nil || !strings.HasSuffix(aws.ToString(got.Parameter.ARN), ":parameter/p/key") {
			t.Fatalf("get: %v, %+v", err, got.Parameter)
		}
	})
	t.Run("without WithDecryption a SecureString's value is not returned", func(t *testing.T) {
		got, err := c.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/p/key")})
		if err != nil || aws.ToString(got.Parameter.Value) == "second" {
			t.Fatalf("get: %v, %q", err, aws.ToString(got.Parameter.Value))
		}
	})
	t.Run("putting an existing parameter without Overwrite is refused", func(t *testing.T) {
		_, err := c.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String("/p/key"), Value: aws.String("x"), Type: types.ParameterTypeSecureString})
		var exists *types.ParameterAlreadyExists
		if !errors.As(err, &exists) {
			t.Fatalf("err = %v, want *types.ParameterAlreadyExists", err)
		}
		if v, _ := s.Value("/p/key"); v != "second" {
			t.Fatalf("value %q after a refused put", v)
		}
	})
	t.Run("GetParameters leaves missing names out, for both clients", func(t *testing.T) {
		s.Set("/p/other", "other")
		out, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/p/key", "/p/missing", "/p/other"}, WithDecryption: aws.Bool(true)})
		if err != nil || len(out.Parameters) != 2 || !slices.Equal(out.InvalidParameters, []string{"/p/missing"}) {
			t.Fatalf("SDK: %v, %+v", err, out)
		}
		env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "x", "AWS_ENDPOINT_URL_SSM": endpoint}
		cfg, err := config.AWS(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		fn := config.SSM{AWS: cfg, Endpoint: config.SSMEndpoint(func(k string) string { return env[k] })}
		got, err := fn.GetParameters(ctx, []string{"/p/key", "/p/missing", "/p/other"})
		if err != nil || len(got) != 2 || got["/p/key"] != "second" || got["/p/other"] != "other" {
			t.Fatalf("the functions' client: %v, %v", err, got)
		}
	})
	t.Run("every call is recorded with its names, never its values", func(t *testing.T) {
		calls := s.Calls()
		last := calls[len(calls)-1]
		if last.Operation != ssmlocal.OpGetParameters || last.Status != http.StatusOK || !slices.Equal(last.Names, []string{"/p/key", "/p/missing", "/p/other"}) {
			t.Fatalf("last call %+v", last)
		}
		if s.Count(ssmlocal.OpGetParameters) != 2 || s.Count(ssmlocal.OpPutParameter) != 3 || s.Count(ssmlocal.OpGetParameter) != 3 {
			t.Fatalf("calls %+v", calls)
		}
	})
}

func TestRequestsSSMWouldRefuseAreRefused(t *testing.T) {
	s, endpoint := ssmlocal.ForTest(t)
	s.Set("/p/key", "v")
	signed := map[string]string{
		"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20261125/eu-west-1/ssm/aws4_request, SignedHeaders=host, Signature=00",
		"Content-Type":  "application/x-amz-json-1.1",
	}
	tests := []struct {
		name     string
		target   string
		headers  map[string]string
		body     string
		wantType string
	}{
		{"an unsigned request", "AmazonSSM.GetParameters", map[string]string{"Authorization": "", "Content-Type": "application/x-amz-json-1.1"}, `{"Names":["/p/key"]}`, "MissingAuthenticationTokenException"},
		{"an operation the stand-in does not know", "AmazonSSM.DeleteParameters", signed, `{"Names":["/p/key"]}`, "UnknownOperationException"},
		{"deleting a parameter that does not exist", "AmazonSSM.DeleteParameter", signed, `{"Name":"/p/other"}`, "ParameterNotFound"},
		{"more than ten names", "AmazonSSM.GetParameters", signed, `{"Names":["a","b","c","d","e","f","g","h","i","j","k"]}`, "ValidationException"},
		{"a new parameter without a type", "AmazonSSM.PutParameter", signed, `{"Name":"/p/new","Value":"v"}`, "ValidationException"},
		{"a body that is not JSON", "AmazonSSM.GetParameter", signed, `{`, "SerializationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, endpoint, strings.NewReader(tc.body))
			req.Header.Set("X-Amz-Target", tc.target)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"__type":"`+tc.wantType+`"`) {
				t.Fatalf("%d %s, want 400 %s", resp.StatusCode, body, tc.wantType)
			}
		})
	}
	if v, _ := s.Value("/p/key"); v != "v" {
		t.Fatal("a refused request changed a parameter")
	}
}
