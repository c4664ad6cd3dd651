package config

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// SSM reads SecureString parameters, decrypted, from AWS Systems Manager
// Parameter Store.
type SSM struct{ Client *ssm.Client }

// GetParameters fetches all names in one GetParameters call (at most 10, the
// API's limit; we use three). Names that do not exist are left out of the map.
func (s SSM) GetParameters(ctx context.Context, names []string) (map[string]string, error) {
	out, err := s.Client.GetParameters(ctx, &ssm.GetParametersInput{Names: names, WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, err
	}
	values := make(map[string]string, len(out.Parameters))
	for _, prm := range out.Parameters {
		values[aws.ToString(prm.Name)] = aws.ToString(prm.Value)
	}
	return values, nil
}
