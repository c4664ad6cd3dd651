package config

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// readParameters reads the answer of GetParameters: the parameters by name
// (those that do not exist are left out), or SSM's error.
func readParameters(resp *http.Response) (map[string]string, error) {
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("ssm: reading the answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return nil, fmt.Errorf("ssm: GetParameters answered %d %s: %s", resp.StatusCode, e.Type, e.Message)
	}
	var out struct {
		Parameters []struct {
			Name  string `json:"Name"`
			Value string `json:"Value"`
		} `json:"Parameters"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("ssm: malformed answer: %w", err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[p.Name] = p.Value
	}
	return values, nil
}
