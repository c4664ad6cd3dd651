package dynamo

import (
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Item is a DynamoDB item.
type Item = map[string]types.AttributeValue

// S builds a string attribute.
func S(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

// N builds a number attribute from its exact decimal text.
func N(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// Int builds a number attribute.
func Int(v int64) types.AttributeValue { return N(strconv.FormatInt(v, 10)) }

// Bool builds a boolean attribute.
func Bool(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// Time builds a string attribute holding t in RFC 3339 (UTC, milliseconds):
// readable in the console and sortable as text.
func Time(t time.Time) types.AttributeValue { return S(t.UTC().Format(TimeLayout)) }

// TimeLayout is how times are stored.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// M builds a map attribute.
func M(m Item) types.AttributeValue { return &types.AttributeValueMemberM{Value: m} }

// GetS reads a string attribute.
func GetS(item Item, name string) (string, bool) {
	v, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", false
	}
	return v.Value, true
}

// GetN reads a number attribute as its exact decimal text.
func GetN(item Item, name string) (string, bool) {
	v, ok := item[name].(*types.AttributeValueMemberN)
	if !ok {
		return "", false
	}
	return v.Value, true
}

// GetInt reads a number attribute that holds an integer.
func GetInt(item Item, name string) (int64, bool) {
	s, ok := GetN(item, name)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(s, 10, 64)
	return i, err == nil
}

// GetBool reads a boolean attribute; absent is false.
func GetBool(item Item, name string) bool {
	v, ok := item[name].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

// GetTime reads a time stored by Time.
func GetTime(item Item, name string) time.Time {
	s, ok := GetS(item, name)
	if !ok {
		return time.Time{}
	}
	t, _ := time.Parse(TimeLayout, s)
	return t
}

// GetM reads a map attribute.
func GetM(item Item, name string) (Item, bool) {
	v, ok := item[name].(*types.AttributeValueMemberM)
	if !ok {
		return nil, false
	}
	return v.Value, true
}

// StringSet builds a string set attribute.
func StringSet(vs ...string) types.AttributeValue { return &types.AttributeValueMemberSS{Value: vs} }

// GetStringSet reads a string set attribute.
func GetStringSet(item Item, name string) []string {
	if v, ok := item[name].(*types.AttributeValueMemberSS); ok {
		return v.Value
	}
	return nil
}

// StringMap builds a map attribute of strings.
func StringMap(m map[string]string) types.AttributeValue {
	out := make(Item, len(m))
	for k, v := range m {
		out[k] = S(v)
	}
	return M(out)
}

// GetStringMap reads a map attribute of strings, skipping other members.
func GetStringMap(item Item, name string) map[string]string {
	m, ok := GetM(item, name)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k := range m {
		if s, ok := GetS(m, k); ok {
			out[k] = s
		}
	}
	return out
}
