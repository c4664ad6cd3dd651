package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The web ACL's own template holds the stage's web ACL and its origins,
// unconditionally, and outputs the ARN; nothing else of the stack.
func TestTheWebACLTemplateIsTheStagesWebACL(t *testing.T) {
	path := filepath.Join("..", "..", ".build", "sls-production", "cloudformation-template-update-stack.json")
	packaged, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("no packaged production template (make package-check): %v", err)
	}
	b, err := extract(packaged)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Resources map[string]map[string]any
		Outputs   map[string]any
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Resources) != 2 || got.Resources["EdgeWebAcl"]["Type"] != "AWS::WAFv2::WebACL" || got.Resources["EdgeSigninOrigins"] == nil {
		t.Fatalf("resources %v", got.Resources)
	}
	for id, r := range got.Resources {
		if _, ok := r["Condition"]; ok {
			t.Errorf("%s keeps its condition", id)
		}
	}
	if !strings.Contains(string(b), `"Scope": "CLOUDFRONT"`) || got.Outputs["WebAclArn"] == nil {
		t.Fatalf("template %s", b)
	}
	if _, err := extract([]byte(`{"Resources":{}}`)); err == nil {
		t.Fatal("a template without the web ACL gave no error")
	}
}
