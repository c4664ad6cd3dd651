package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Update builds an UpdateExpression with placeholder names and values for
// every attribute, so no attribute name can collide with DynamoDB's reserved
// words.
type Update struct {
	sets, removes, adds []string
	names               map[string]string
	values              Item
	cond                string
}

// NewUpdate starts an empty update.
func NewUpdate() *Update {
	return &Update{names: map[string]string{}, values: Item{}}
}

// Name returns a placeholder for attr, for conditions.
func (u *Update) Name(attr string) string {
	p := fmt.Sprintf("#n%d", len(u.names))
	u.names[p] = attr
	return p
}

// Value returns a placeholder for v, for conditions.
func (u *Update) Value(v types.AttributeValue) string {
	p := fmt.Sprintf(":v%d", len(u.values))
	u.values[p] = v
	return p
}

// Set sets attr to v.
func (u *Update) Set(attr string, v types.AttributeValue) {
	u.sets = append(u.sets, u.Name(attr)+" = "+u.Value(v))
}

// SetIfNotExists sets attr to v unless the item already has it.
func (u *Update) SetIfNotExists(attr string, v types.AttributeValue) {
	n := u.Name(attr)
	u.sets = append(u.sets, fmt.Sprintf("%s = if_not_exists(%s, %s)", n, n, u.Value(v)))
}

// Remove removes attr.
func (u *Update) Remove(attr string) { u.removes = append(u.removes, u.Name(attr)) }

// Add adds v to the number attr (creating it).
func (u *Update) Add(attr string, v types.AttributeValue) {
	u.adds = append(u.adds, u.Name(attr)+" "+u.Value(v))
}

// Expression is the UpdateExpression.
func (u *Update) Expression() string {
	var parts []string
	if len(u.sets) > 0 {
		parts = append(parts, "SET "+strings.Join(u.sets, ", "))
	}
	if len(u.removes) > 0 {
		parts = append(parts, "REMOVE "+strings.Join(u.removes, ", "))
	}
	if len(u.adds) > 0 {
		parts = append(parts, "ADD "+strings.Join(u.adds, ", "))
	}
	return strings.Join(parts, " ")
}

// Input is the UpdateItemInput for the item with key in table.
func (u *Update) Input(table string, key Item) *dynamodb.UpdateItemInput {
	in := &dynamodb.UpdateItemInput{
		TableName:                aws.String(table),
		Key:                      key,
		UpdateExpression:         aws.String(u.Expression()),
		ExpressionAttributeNames: u.names,
	}
	if len(u.values) > 0 {
		in.ExpressionAttributeValues = u.values
	}
	if u.cond != "" {
		in.ConditionExpression = aws.String(u.cond)
	}
	return in
}

// When adds a ConditionExpression to the update; placeholders come from Name
// and Value.
func (u *Update) When(cond string) *Update { u.cond = cond; return u }
