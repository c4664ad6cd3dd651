package metrics

import (
	"strings"
	"testing"
)

// Read refuses lines that break the specification: the tests that rely on
// it cannot pass by reading nothing.
func TestReadRefusesBrokenEMF(t *testing.T) {
	good := `{"_aws":{"Timestamp":1773500966535,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["Result"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"Result":"fail","M":1}`
	if _, err := ReadLine([]byte(good)); err != nil {
		t.Fatalf("the good line: %v", err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"a timestamp in seconds", "1773500966535", "1773500966", "not milliseconds"},
		{"no timestamp", `"Timestamp":1773500966535,`, "", "Timestamp is missing"},
		{"no directive", `[{"Namespace":"ns","Dimensions":[["Result"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]`, "[]", "no directive"},
		{"no namespace", `"Namespace":"ns",`, "", "namespace"},
		{"no dimension set", `[["Result"]]`, "[]", "without a dimension set"},
		{"a dimension without its member", `"Result":"fail",`, "", "no member"},
		{"a numeric dimension", `"Result":"fail"`, `"Result":5`, "not a string"},
		{"an empty dimension", `"Result":"fail"`, `"Result":""`, "not a string"},
		{"a metric without its member", `,"M":1`, "", "no member"},
		{"a metric that is text", `"M":1`, `"M":"1"`, "not a number"},
		{"an unknown unit", `"Unit":"Count"`, `"Unit":"Counts"`, "not a CloudWatch unit"},
		{"ten dimensions", `[["Result"]]`, `[["Result","Result","Result","Result","Result","Result","Result","Result","Result","Result"]]`, "over 9"},
		{"not JSON", `"M":1}`, `"M":1`, "not a JSON object"},
	} {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			bad := strings.Replace(good, tc.from, tc.to, 1)
			if bad == good {
				t.Fatal("the mutation changed nothing")
			}
			_, err := ReadLine([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}
