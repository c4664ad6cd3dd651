package dynamo

import (
	"maps"
	"testing"
)

func TestUpdateAddressesNestedMembers(t *testing.T) {
	u := NewUpdate()
	cond := u.Name("a_welcome", "state") + " = " + u.Value(S("sending"))
	u.SetMember("a_welcome", "state", S("done"))
	u.RemoveMember("a_welcome", "reason")
	u.Set("updated_at", S("now"))
	u.Add("logins", Int(1))
	u.Delete("campaigns_sent", StringSet("c1"))
	in := u.When(cond).Input("t", Item{"uid": N("1")})
	if *in.ConditionExpression != "#n0.#n1 = :v0" {
		t.Fatalf("condition %q", *in.ConditionExpression)
	}
	names := map[string]string{"#n0": "a_welcome", "#n1": "state", "#n2": "a_welcome", "#n3": "state", "#n4": "a_welcome", "#n5": "reason", "#n6": "updated_at", "#n7": "logins", "#n8": "campaigns_sent"}
	if !maps.Equal(in.ExpressionAttributeNames, names) {
		t.Fatalf("names %v", in.ExpressionAttributeNames)
	}
	if got := *in.UpdateExpression; got != "SET #n2.#n3 = :v1, #n6 = :v2 REMOVE #n4.#n5 ADD #n7 :v3 DELETE #n8 :v4" {
		t.Fatalf("expression %q", got)
	}
	if len(in.ExpressionAttributeValues) != 5 {
		t.Fatalf("values %v", in.ExpressionAttributeValues)
	}
}

func TestAScanExprHasOnlyWhatItUses(t *testing.T) {
	var e Expr
	in := e.Scan("t", "", e.Name("uid"))
	if in.FilterExpression != nil || in.ExpressionAttributeValues != nil || *in.ProjectionExpression != "#n0" || in.ExpressionAttributeNames["#n0"] != "uid" {
		t.Fatalf("%+v", in)
	}
}
