package dynamo

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Expr holds the placeholders of one request's expressions (#n0, :v0, ...),
// so that no attribute name can collide with DynamoDB's reserved words and no
// value is spliced into the text. The zero value is ready to use.
type Expr struct {
	names  map[string]string
	values Item
}

// Name returns the placeholder of attribute attr or, with members, of a
// member of a map attribute: Name("a_follow", "state") is "#n0.#n1".
func (e *Expr) Name(attr string, members ...string) string {
	if e.names == nil {
		e.names = map[string]string{}
	}
	parts := make([]string, 0, 1+len(members))
	for _, a := range append([]string{attr}, members...) {
		p := fmt.Sprintf("#n%d", len(e.names))
		e.names[p] = a
		parts = append(parts, p)
	}
	return strings.Join(parts, ".")
}

// Value returns a placeholder for v.
func (e *Expr) Value(v types.AttributeValue) string {
	if e.values == nil {
		e.values = Item{}
	}
	p := fmt.Sprintf(":v%d", len(e.values))
	e.values[p] = v
	return p
}

// Scan is a Scan of table with a filter and a projection ("" for none)
// written with e's placeholders.
func (e *Expr) Scan(table, filter, projection string) *dynamodb.ScanInput {
	in := &dynamodb.ScanInput{TableName: aws.String(table), ExpressionAttributeNames: e.names}
	if filter != "" {
		in.FilterExpression = aws.String(filter)
	}
	if projection != "" {
		in.ProjectionExpression = aws.String(projection)
	}
	if len(e.values) > 0 {
		in.ExpressionAttributeValues = e.values
	}
	return in
}

// Delete is a DeleteItem of key in table, only while cond (written with e's
// placeholders) holds.
func (e *Expr) Delete(table string, key Item, cond string) *dynamodb.DeleteItemInput {
	in := &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: key, ConditionExpression: aws.String(cond), ExpressionAttributeNames: e.names}
	if len(e.values) > 0 {
		in.ExpressionAttributeValues = e.values
	}
	return in
}

// Put is a PutItem of item in table, only while cond (written with e's
// placeholders) holds.
func (e *Expr) Put(table string, item Item, cond string) *dynamodb.PutItemInput {
	in := &dynamodb.PutItemInput{TableName: aws.String(table), Item: item, ConditionExpression: aws.String(cond), ExpressionAttributeNames: e.names}
	if len(e.values) > 0 {
		in.ExpressionAttributeValues = e.values
	}
	return in
}

// Update builds an UpdateExpression (SET, REMOVE, ADD, DELETE) and its
// condition with placeholders for every name and value.
type Update struct {
	Expr
	sets, removes, adds, deletes []string
	cond                         string
}

// NewUpdate starts an empty update.
func NewUpdate() *Update { return &Update{} }

// Set sets attr to v.
func (u *Update) Set(attr string, v types.AttributeValue) { u.set(u.Name(attr), v) }

// SetMember sets member of the map attribute attr to v (a_follow.state).
func (u *Update) SetMember(attr, member string, v types.AttributeValue) {
	u.set(u.Name(attr, member), v)
}

func (u *Update) set(path string, v types.AttributeValue) {
	u.sets = append(u.sets, path+" = "+u.Value(v))
}

// SetIfNotExists sets attr to v unless the item already has it.
func (u *Update) SetIfNotExists(attr string, v types.AttributeValue) {
	n := u.Name(attr)
	u.sets = append(u.sets, fmt.Sprintf("%s = if_not_exists(%s, %s)", n, n, u.Value(v)))
}

// Remove removes attr.
func (u *Update) Remove(attr string) { u.removes = append(u.removes, u.Name(attr)) }

// RemoveMember removes member of the map attribute attr.
func (u *Update) RemoveMember(attr, member string) {
	u.removes = append(u.removes, u.Name(attr, member))
}

// Add adds v to the number or set attr (creating it).
func (u *Update) Add(attr string, v types.AttributeValue) {
	u.adds = append(u.adds, u.Name(attr)+" "+u.Value(v))
}

// Delete removes the elements of the set v from the set attr.
func (u *Update) Delete(attr string, v types.AttributeValue) {
	u.deletes = append(u.deletes, u.Name(attr)+" "+u.Value(v))
}

// When adds a ConditionExpression to the update; placeholders come from Name
// and Value.
func (u *Update) When(cond string) *Update { u.cond = cond; return u }

// Expression is the UpdateExpression.
func (u *Update) Expression() string {
	var parts []string
	for _, c := range []struct {
		verb    string
		clauses []string
	}{{"SET", u.sets}, {"REMOVE", u.removes}, {"ADD", u.adds}, {"DELETE", u.deletes}} {
		if len(c.clauses) > 0 {
			parts = append(parts, c.verb+" "+strings.Join(c.clauses, ", "))
		}
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
