package streamrelay

import "testing"

func TestSeqAtMostComparesSequenceNumbersAsNumbers(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"000000000000000000003", "000000000000000000003", true},
		{"000000000000000000003", "000000000000000000010", true},
		{"000000000000000000010", "000000000000000000003", false},
		{"99", "100", true},  // shorter is smaller
		{"100", "99", false}, // whatever the padding
		{"5", "", false},     // nothing is at most "": an empty shard at start drops nothing
	}
	for _, tt := range tests {
		if got := seqAtMost(tt.a, tt.b); got != tt.want {
			t.Errorf("seqAtMost(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
