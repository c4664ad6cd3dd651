package devserver

import (
	"fmt"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// Where serverless.yml sets what the gateway and Lambda enforce.
const (
	corsPath     = "resources.extensions.HttpApi.Properties.CorsConfiguration"
	throttlePath = "resources.extensions.HttpApiStage.Properties.DefaultRouteSettings"
	// The routes' own throttling, a map by route key ("GET /api/...").
	routeSettingsPath = "resources.extensions.HttpApiStage.Properties.RouteSettings"
)

// Settings are what serverless.yml gives a stage's HTTP API and functions
// beyond their code: CORS (all but the origins), the routes' throttling and
// the reserved concurrency of each function that has one.
type Settings struct {
	// CORS has no AllowOrigins: they are the allowedOrigins param, which the
	// functions get as ALLOWED_ORIGINS, and an env file may override that
	// variable; the caller builds the set from the environment so that both
	// follow the override, as both follow the param on AWS.
	CORS     *CORS
	Throttle *Throttle
	// RouteThrottles are the routes with throttling of their own
	// (RouteSettings), by route key.
	RouteThrottles map[string]*Throttle
	// Reserved maps a function's name to its reservedConcurrency.
	Reserved map[string]int
}

// LoadSettings reads the Settings of stage from serverless.yml in repoRoot,
// resolving ${param:...} as the framework does.
func LoadSettings(repoRoot, stage string) (Settings, error) {
	var s Settings
	f, err := slsyml.Read(repoRoot, stage)
	if err != nil {
		return s, err
	}
	var cors struct {
		AllowCredentials bool     `yaml:"AllowCredentials"`
		AllowHeaders     []string `yaml:"AllowHeaders"`
		AllowMethods     []string `yaml:"AllowMethods"`
		ExposeHeaders    []string `yaml:"ExposeHeaders"`
		MaxAge           int      `yaml:"MaxAge"`
	}
	if err := f.Decode(corsPath, &cors); err != nil {
		return s, err
	}
	s.CORS = &CORS{
		AllowCredentials: cors.AllowCredentials,
		AllowHeaders:     cors.AllowHeaders,
		AllowMethods:     cors.AllowMethods,
		ExposeHeaders:    cors.ExposeHeaders,
		MaxAge:           time.Duration(cors.MaxAge) * time.Second,
	}
	type throttling struct {
		Rate  *float64 `yaml:"ThrottlingRateLimit"`
		Burst *int     `yaml:"ThrottlingBurstLimit"`
	}
	var throttle throttling
	if err := f.Decode(throttlePath, &throttle); err != nil {
		return s, err
	}
	if throttle.Rate == nil || throttle.Burst == nil {
		return s, fmt.Errorf("devserver: %s needs both ThrottlingRateLimit and ThrottlingBurstLimit", throttlePath)
	}
	s.Throttle = &Throttle{RateLimit: *throttle.Rate, BurstLimit: *throttle.Burst}
	var routes map[string]throttling
	if err := f.Decode(routeSettingsPath, &routes); err != nil {
		return s, err
	}
	s.RouteThrottles = map[string]*Throttle{}
	for key, r := range routes {
		if r.Rate == nil || r.Burst == nil {
			return s, fmt.Errorf("devserver: %s.%s needs both ThrottlingRateLimit and ThrottlingBurstLimit", routeSettingsPath, key)
		}
		s.RouteThrottles[key] = &Throttle{RateLimit: *r.Rate, BurstLimit: *r.Burst}
	}

	var functions map[string]struct {
		Reserved *int `yaml:"reservedConcurrency"`
	}
	if err := f.Decode("functions", &functions); err != nil {
		return s, err
	}
	s.Reserved = map[string]int{}
	for name, f := range functions {
		if f.Reserved != nil {
			s.Reserved[name] = *f.Reserved
		}
	}
	return s, nil
}
