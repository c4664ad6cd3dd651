package dynamo

import (
	"maps"
	"strings"
	"testing"
)

// Every name and value goes through a placeholder: a reserved word as an
// attribute name, or a value that looks like an expression, never reaches
// the expression text.
func TestExpressionsHoldOnlyPlaceholders(t *testing.T) {
	u := NewUpdate()
	u.Set("status", S("x = :v0 OR #n0")) // STATUS is a reserved word
	u.SetIfNotExists("created_at", S("2026-05-01T00:00:00.000Z"))
	u.Remove("name") // NAME too
	u.Add("logins", Int(1))
	cond := "attribute_exists(" + u.Name("uid") + ") AND " + u.Name("status") + " <> " + u.Value(S("done"))
	in := u.When(cond).Input("t", Item{"uid": N("9007199254740993")})

	if got := *in.UpdateExpression; got != "SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1) REMOVE #n2 ADD #n3 :v2" {
		t.Fatalf("expression %q", got)
	}
	if got := *in.ConditionExpression; got != "attribute_exists(#n4) AND #n5 <> :v3" {
		t.Fatalf("condition %q", got)
	}
	names := map[string]string{"#n0": "status", "#n1": "created_at", "#n2": "name", "#n3": "logins", "#n4": "uid", "#n5": "status"}
	if !maps.Equal(in.ExpressionAttributeNames, names) {
		t.Fatalf("names %v", in.ExpressionAttributeNames)
	}
	for _, word := range []string{"status", "name", "logins", "created_at", "uid", "done"} {
		if strings.Contains(*in.UpdateExpression+*in.ConditionExpression, word) {
			t.Errorf("%q spliced into the text", word)
		}
	}
	if !equalS(in.ExpressionAttributeValues, ":v0", "x = :v0 OR #n0") || !equalS(in.ExpressionAttributeValues, ":v3", "done") {
		t.Fatalf("values %v", in.ExpressionAttributeValues)
	}
	if uid, _ := GetN(in.Key, "uid"); uid != "9007199254740993" || *in.TableName != "t" {
		t.Fatalf("key %v table %s", in.Key, *in.TableName)
	}
}

// An update without values or condition sends neither (DynamoDB refuses an
// empty ExpressionAttributeValues).
func TestAnUpdateHasOnlyWhatItUses(t *testing.T) {
	u := NewUpdate()
	u.Remove("revoked")
	u.RemoveMember("a_tweet", "reason")
	in := u.Input("t", Item{"uid": N("1")})
	if *in.UpdateExpression != "REMOVE #n0, #n1.#n2" || in.ExpressionAttributeValues != nil || in.ConditionExpression != nil {
		t.Fatalf("%q values %v condition %v", *in.UpdateExpression, in.ExpressionAttributeValues, in.ConditionExpression)
	}
	if got := NewUpdate().Expression(); got != "" {
		t.Fatalf("an empty update: %q", got)
	}
}

func TestAScanWithAFilter(t *testing.T) {
	var e Expr
	filter := e.Name("a_welcome", "state") + " = " + e.Value(S("sending")) + " AND " + e.Name("uid") + " > " + e.Value(N("1234567890123456789"))
	in := e.Scan("users", filter, e.Name("uid")+", "+e.Name("a_welcome"))
	if *in.TableName != "users" || *in.FilterExpression != "#n0.#n1 = :v0 AND #n2 > :v1" || *in.ProjectionExpression != "#n3, #n4" {
		t.Fatalf("%+v", in)
	}
	if n, _ := GetN(in.ExpressionAttributeValues, ":v1"); n != "1234567890123456789" || len(in.ExpressionAttributeNames) != 5 {
		t.Fatalf("values %v names %v", in.ExpressionAttributeValues, in.ExpressionAttributeNames)
	}
}
