// Command edgeacl writes the CloudFormation template of a stage's edge web
// ACL alone, for a stage deployed outside us-east-1 (make edge-acl): a web
// ACL of scope CLOUDFRONT must live in us-east-1, so such a stage cannot
// create its own. The template holds the same resources the stage's stack
// would create (EdgeSigninOrigins, EdgeWebAcl and the blocked-requests
// alarm, without its topic), taken from the stage's packaged template
// (make package STAGE=...), and outputs the web ACL's ARN, which the stage
// then names in its edgeWebAclArn param.
//
//	go run ./tools/edgeacl -in .build/sls-<stage>/cloudformation-template-update-stack.json -out .build/edge-acl-<stage>.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
)

func main() {
	in := flag.String("in", "", "the stage's packaged template")
	out := flag.String("out", "", "where to write the web ACL's template")
	flag.Parse()
	if *in == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: edgeacl -in <packaged template> -out <web ACL template>")
		os.Exit(2)
	}
	b, err := os.ReadFile(*in)
	if err == nil {
		b, err = extract(b)
	}
	if err == nil {
		err = os.WriteFile(*out, b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "edgeacl:", err)
		os.Exit(1)
	}
}

// The resources of the web ACL in the stage's template.
var aclResources = []string{"EdgeSigninOrigins", "EdgeWebAcl"}

// extract builds the web ACL's own template from a packaged one.
func extract(packaged []byte) ([]byte, error) {
	var tpl struct {
		Resources map[string]map[string]any `json:"Resources"`
	}
	if err := json.Unmarshal(packaged, &tpl); err != nil {
		return nil, err
	}
	res := map[string]any{}
	for _, id := range aclResources {
		r, ok := tpl.Resources[id]
		if !ok {
			return nil, fmt.Errorf("the packaged template has no %s (serverless.yml's edge resources)", id)
		}
		delete(r, "Condition") // created unconditionally here: that is the point of this stack
		res[id] = r
	}
	return json.MarshalIndent(map[string]any{
		"AWSTemplateFormatVersion": "2010-09-09",
		"Description":              "The edge web ACL of a twitter-sessions stage deployed outside us-east-1 (scope CLOUDFRONT)",
		"Resources":                res,
		"Outputs": map[string]any{
			"WebAclArn": map[string]any{
				"Description": "Name it in the stage's edgeWebAclArn param",
				"Value":       map[string]any{"Fn::GetAtt": []string{"EdgeWebAcl", "Arn"}},
			},
		},
	}, "", "  ")
}
