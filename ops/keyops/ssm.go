package keyops

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// SSMClient is the part of the SDK's ssm client that SSM uses.
type SSMClient interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, opts ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	DeleteParameter(ctx context.Context, in *ssm.DeleteParameterInput, opts ...func(*ssm.Options)) (*ssm.DeleteParameterOutput, error)
}

// SSM is the Store on SSM Parameter Store: decrypted reads, SecureString
// writes that overwrite.
type SSM struct{ Client SSMClient }

// Get implements Store.
func (s SSM) Get(ctx context.Context, name string) (string, bool, error) {
	out, err := s.Client.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return aws.ToString(out.Parameter.Value), true, nil
}

// Put implements Store.
func (s SSM) Put(ctx context.Context, name, value string) error {
	_, err := s.Client.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true),
	})
	return err
}

// Delete implements Store.
func (s SSM) Delete(ctx context.Context, name string) error {
	_, err := s.Client.DeleteParameter(ctx, &ssm.DeleteParameterInput{Name: aws.String(name)})
	var nf *types.ParameterNotFound
	if errors.As(err, &nf) {
		return nil
	}
	return err
}

// PutString implements StringStore: a String parameter (the edge secret,
// which CloudFormation resolves into CloudFront's configuration).
func (s SSM) PutString(ctx context.Context, name, value string) error {
	_, err := s.Client.PutParameter(ctx, &ssm.PutParameterInput{
		Name: aws.String(name), Value: aws.String(value), Type: types.ParameterTypeString, Overwrite: aws.Bool(true),
	})
	return err
}
