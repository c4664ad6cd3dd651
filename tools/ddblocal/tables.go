package ddblocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"gopkg.in/yaml.v3"
)

// Table is one AWS::DynamoDB::Table resource of serverless.yml, resolved for
// a stage.
type Table struct {
	// LogicalID is the resource's key under resources.Resources, e.g. "SessionTable".
	LogicalID string
	// Input creates the table.
	Input *dynamodb.CreateTableInput
	// TTLAttribute is the attribute of an enabled TimeToLiveSpecification, "" when the table has none.
	TTLAttribute string
}

// Definitions reads <repoRoot>/serverless.yml and returns, in file order,
// every resources.Resources item of Type AWS::DynamoDB::Table with the
// variables of its properties resolved for stage (see the package doc).
// Properties that DynamoDB Local has no use for (SSE, point-in-time recovery,
// tags) are ignored.
func Definitions(repoRoot, stage string) ([]Table, error) {
	f, err := slsyml.Read(repoRoot, stage)
	if err != nil {
		return nil, err
	}
	return tables(f)
}

func tables(f *slsyml.File) ([]Table, error) {
	resources := slsyml.Child(slsyml.Child(f.Root(), "resources"), "Resources")
	if resources == nil || resources.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("ddblocal: %s has no resources.Resources mapping", f.Path())
	}
	var tables []Table
	for i := 0; i+1 < len(resources.Content); i += 2 {
		id, res := resources.Content[i].Value, resources.Content[i+1]
		if typ := slsyml.Child(res, "Type"); typ == nil || typ.Value != "AWS::DynamoDB::Table" {
			continue
		}
		t, err := table(f, slsyml.Child(res, "Properties"))
		if err != nil {
			return nil, fmt.Errorf("ddblocal: %s: resources.Resources.%s: %w", f.Path(), id, err)
		}
		t.LogicalID = id
		tables = append(tables, t)
	}
	if len(tables) == 0 {
		return nil, fmt.Errorf("ddblocal: %s declares no AWS::DynamoDB::Table", f.Path())
	}
	return tables, nil
}

// Tables returns the CreateTableInput of every table of serverless.yml for
// stage (see Definitions, which also gives the TTL attributes).
func Tables(repoRoot, stage string) ([]*dynamodb.CreateTableInput, error) {
	defs, err := Definitions(repoRoot, stage)
	if err != nil {
		return nil, err
	}
	inputs := make([]*dynamodb.CreateTableInput, len(defs))
	for i, d := range defs {
		inputs[i] = d.Input
	}
	return inputs, nil
}

// CreateTables creates the tables of serverless.yml for stage, waits until
// they are ACTIVE and enables their TTL. A table that exists already is left
// as it is, so calling it again is harmless.
func CreateTables(ctx context.Context, client *dynamodb.Client, repoRoot, stage string) error {
	defs, err := Definitions(repoRoot, stage)
	if err != nil {
		return err
	}
	return createTables(ctx, client, defs)
}

func createTables(ctx context.Context, client *dynamodb.Client, defs []Table) error {
	for _, d := range defs {
		name := aws.ToString(d.Input.TableName)
		_, err := client.CreateTable(ctx, d.Input)
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("ddblocal: creating table %s: %w", name, err)
		}
		waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 50*time.Millisecond, time.Second
		})
		if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: d.Input.TableName}, 30*time.Second); err != nil {
			return fmt.Errorf("ddblocal: waiting for table %s: %w", name, err)
		}
		if d.TTLAttribute != "" {
			if err := enableTTL(ctx, client, name, d.TTLAttribute); err != nil {
				return err
			}
		}
	}
	return nil
}

func enableTTL(ctx context.Context, client *dynamodb.Client, table, attribute string) error {
	cur, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &table})
	if err != nil {
		return fmt.Errorf("ddblocal: reading the TTL of %s: %w", table, err)
	}
	if d := cur.TimeToLiveDescription; d != nil && d.TimeToLiveStatus == types.TimeToLiveStatusEnabled {
		if got := aws.ToString(d.AttributeName); got != attribute {
			return fmt.Errorf("ddblocal: table %s has TTL on %s, serverless.yml says %s", table, got, attribute)
		}
		return nil
	}
	_, err = client.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: &attribute, Enabled: aws.Bool(true)},
	})
	if err != nil {
		return fmt.Errorf("ddblocal: enabling TTL on %s.%s: %w", table, attribute, err)
	}
	return nil
}

// deleteTables deletes the tables; one that does not exist is fine.
func deleteTables(ctx context.Context, client *dynamodb.Client, defs []Table) error {
	var errs []error
	for _, d := range defs {
		_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: d.Input.TableName})
		var notFound *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &notFound) {
			errs = append(errs, fmt.Errorf("ddblocal: deleting table %s: %w", aws.ToString(d.Input.TableName), err))
		}
	}
	return errors.Join(errs...)
}

// tableProperties are the AWS::DynamoDB::Table properties that matter
// locally. Only these are resolved, so that a variable elsewhere (say, a KMS
// key) never stops local work. CloudFormation names them, and their fields, as
// CreateTableInput names its own, so JSON carries them over; all but
// TimeToLiveSpecification, which CreateTable does not take.
var tableProperties = map[string]bool{
	"TableName": true, "BillingMode": true, "AttributeDefinitions": true, "KeySchema": true, "ProvisionedThroughput": true,
	"StreamSpecification": true, "GlobalSecondaryIndexes": true, "LocalSecondaryIndexes": true, "TimeToLiveSpecification": true,
}

func table(f *slsyml.File, props *yaml.Node) (Table, error) {
	if props == nil || props.Kind != yaml.MappingNode {
		return Table{}, errors.New("no Properties mapping")
	}
	used := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(props.Content); i += 2 {
		if tableProperties[props.Content[i].Value] {
			used.Content = append(used.Content, props.Content[i], props.Content[i+1])
		}
	}
	resolved, err := f.Resolve(used)
	if err != nil {
		return Table{}, err
	}
	var m map[string]any
	if err := resolved.Decode(&m); err != nil {
		return Table{}, err
	}
	b, err := json.Marshal(m)
	if err != nil {
		return Table{}, err
	}
	var c struct {
		dynamodb.CreateTableInput
		TimeToLiveSpecification *struct {
			AttributeName string
			Enabled       bool
		}
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return Table{}, err
	}
	in := &c.CreateTableInput
	if aws.ToString(in.TableName) == "" {
		return Table{}, errors.New("no TableName: local tables need an explicit name")
	}
	if len(in.KeySchema) == 0 {
		return Table{}, errors.New("no KeySchema")
	}
	if in.StreamSpecification != nil {
		in.StreamSpecification.StreamEnabled = aws.Bool(true) // implied in CloudFormation
	}
	t := Table{Input: in}
	if ttl := c.TimeToLiveSpecification; ttl != nil && ttl.Enabled {
		t.TTLAttribute = ttl.AttributeName
	}
	return t, nil
}
