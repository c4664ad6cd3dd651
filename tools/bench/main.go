// Command bench measures the service's speed and size and prints one table (also
// written to .build/bench.md), as `make bench` runs it:
//
//   - cold start of each function's real bootstrap under the AWS Lambda
//     Runtime Interface Emulator (its "Init Duration"), beside a hello-world Go
//     bootstrap built with the same flags, over several cold starts each;
//   - warm latency and throughput of full sign-ins (start + callback + a racing
//     replay) against the X sandbox and DynamoDB Local (TestLoad, larger);
//   - the latencies of a flood's 303s and 429s at a dev stack's throttled
//     route (the e2e flood test, which asserts only what was answered);
//   - binary and zip size of each function as packaged;
//   - go test -bench of sealing, signing and event parsing, with allocations;
//   - the network round trips of a sign-in under each protocol;
//   - with -against REV: REV's cold starts interleaved with this tree's, and
//     both zips, side by side (the figure to quote for "within N %").
//
// The cold starts run host-architecture builds (this machine is not arm64):
// the ratio to hello-world is the figure that carries over.
package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// rieModule is the emulator, installed through the Go toolchain.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// A function's cold-start probe: an event it answers without any network
// call, so the measurement is init alone plus a trivial invoke.
var probes = []struct{ name, pkg, event string }{
	{"hello-world", "./tools/bench/hello", `{}`},
	{"generate_session", "./functions/generate_session", `{"version":"2.0","rawPath":"/api/twitter-session","requestContext":{"http":{"method":"GET","path":"/api/twitter-session"}}}`},
	{"twitter_callback", "./functions/twitter_callback", `{"version":"2.0","rawPath":"/api/twitter-callback","rawQueryString":"oauth_token=a&oauth_token=b","requestContext":{"http":{"method":"GET","path":"/api/twitter-callback"}}}`},
	{"twitter_actions", "./functions/twitter_actions", `{"Records":[]}`},
}

func main() {
	starts := flag.Int("cold-starts", 15, "cold starts per function")
	signins := flag.Int("signins", 2000, "sign-ins in the warm load run")
	conc := flag.Int("concurrency", 32, "concurrent sign-ins in the warm load run")
	against := flag.String("against", "", "a git revision to compare cold starts and zips with, interleaved (e.g. HEAD~3, a tag)")
	flag.Parse()
	root, err := slsyml.RepoRoot()
	check(err)
	check(os.Chdir(root))

	var out bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&out, format, args...) }
	w("# twitter-sessions benchmark, %s\n\n", time.Now().UTC().Format(time.RFC3339))
	w("machine: %s\n\n", machine())

	w("## Cold start under the Lambda Runtime Interface Emulator (%d cold starts each, host build)\n\n", *starts)
	w("cold = from starting the emulator with the bootstrap to the first invocation's answer (process start, Go\n")
	w("runtime, our init, one trivial invoke); RIE's own Init Duration only times its dispatch of Init in this\n")
	w("emulator version, so it is shown but the cold column is the figure to compare.\n\n")
	w("| function | cold median | cold min..max | ratio to hello-world | extra over hello-world | RIE Init Duration (median) | binary |\n|---|---|---|---|---|---|---|\n")
	rie := installRIE()
	env, err := slsyml.Environment(root, "local")
	check(err)
	// Interleaved (one cold start of each function per round), so that
	// whatever else the machine does weighs on every function alike.
	bins := make([]string, len(probes))
	colds := make([][]float64, len(probes))
	inits := make([][]float64, len(probes))
	for i, p := range probes {
		bins[i] = buildHost("", "", p.name, p.pkg)
	}
	for range *starts {
		for i, p := range probes {
			c, d := coldStart(rie, bins[i], env, p.event)
			colds[i], inits[i] = append(colds[i], c), append(inits[i], d)
		}
	}
	hello := medianOf(colds[0])
	for i, p := range probes {
		med := medianOf(colds[i])
		w("| %s | %.1f ms | %.1f..%.1f ms | %.2f | %+.1f ms | %.2f ms | %s |\n", p.name, med, slices.Min(colds[i]), slices.Max(colds[i]), med/hello, med-hello, medianOf(inits[i]), size(bins[i]))
	}

	if *against != "" {
		compareAgainst(w, rie, *against, *starts)
	}

	w("\n## Deployed artifacts (linux/arm64, -trimpath -s -w, zipped)\n\n| function | bootstrap | zip |\n|---|---|---|\n")
	for _, p := range probes[1:] {
		w("| %s | %s | %s |\n", p.name, size(".build/"+p.name+"/bootstrap"), size(".build/"+p.name+".zip"))
	}

	w("\n## Warm sign-ins against the X sandbox and DynamoDB Local\n\n")
	load := goTest([]string{fmt.Sprintf("LOAD_SIGNINS=%d", *signins), fmt.Sprintf("LOAD_CONCURRENCY=%d", *conc)},
		"-run", "^TestLoad$", "-v", "-count=1", "./integration/signin/")
	w("%s\n", grep(load, `load: .*`))
	rt := goTest(nil, "-run", "^TestSignInMakesTheFewestRoundTrips$", "-v", "-count=1", "./integration/signin/")
	w("%s\n", grep(rt, `OAuth [0-9.a]+ (\([^)]*\) )?round trips: .*`))
	w("\n## A sign-in flood against a dev stack's throttled route (e2e, latency of each answer)\n\n")
	flood := goTest(nil, "-run", "^TestLoadSignInFloodIsThrottledWhileASignInFinishes$", "-v", "-count=1", "./e2e/")
	w("%s\n", grep(flood, `(flood: |303 to X: |429: ).*`))

	w("\n## Micro-benchmarks (go test -bench, -benchmem)\n\n```\n")
	micro := goTest(nil, "-run", "^$", "-bench", ".", "-benchmem", "./shared/seal/", "./shared/xoauth1/", "./shared/xoauth2/", "./shared/web/", "./shared/metrics/")
	pkg := ""
	for _, line := range strings.Split(micro, "\n") {
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = p[strings.LastIndex(p, "/")+1:] + "."
		}
		if strings.HasPrefix(line, "Benchmark") {
			w("%s%s\n", pkg, line)
		}
	}
	w("```\n")

	fmt.Print(out.String())
	check(os.MkdirAll(".build", 0o755))
	check(os.WriteFile(".build/bench.md", out.Bytes(), 0o644))
	fmt.Println("\nwritten to .build/bench.md")
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run runs a command in dir ("" for this one) with env added to this
// process's environment, and returns its output; a failure ends bench.
func run(dir string, env []string, name string, args ...string) string {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		check(fmt.Errorf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), cmp.Or(dir, "."), err, out))
	}
	return string(out)
}

func goTest(env []string, args ...string) string {
	return run("", env, "go", append([]string{"test"}, args...)...)
}

func grep(s, pattern string) string {
	return strings.Join(regexp.MustCompile(pattern).FindAllString(s, -1), "\n")
}

func installRIE() string {
	dir, _ := filepath.Abs(".build/tools")
	run("", []string{"GOBIN=" + dir}, "go", "install", rieModule)
	return filepath.Join(dir, "aws-lambda-rie")
}

// buildHost builds pkg of the module at root ("" for this one) for this
// machine, with the functions' flags, into .build/host/<tag>/<name> here.
func buildHost(root, tag, name, pkg string) string {
	bin, _ := filepath.Abs(filepath.Join(".build", "host", tag, name, "bootstrap"))
	run(root, []string{"CGO_ENABLED=0"}, "go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w -buildid=", "-o", bin, pkg)
	return bin
}

var initRe = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// coldStart starts the emulator with bin and invokes it once. It returns the
// time from starting the emulator to the invocation's answer, and the Init
// Duration the emulator reports, both in milliseconds.
func coldStart(rie, bin string, env map[string]string, event string) (float64, float64) {
	// Two free ports, distinct: the kernel may hand the same one out twice
	// once the first probe's listener is closed.
	port, api := freePort(), freePort()
	for api == port {
		api = freePort()
	}
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(api), bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128", "AWS_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=bench", "AWS_SECRET_ACCESS_KEY=bench", "AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:9"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs logging.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	began := time.Now()
	check(cmd.Start())
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	url := fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Post(url, "application/json", strings.NewReader(event))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("the emulator did not answer: %v\n%s", err, logs.String()))
		}
		time.Sleep(time.Millisecond)
	}
	cold := float64(time.Since(began).Microseconds()) / 1000
	for time.Now().Before(deadline) {
		if m := initRe.FindStringSubmatch(logs.String()); m != nil {
			d, _ := strconv.ParseFloat(m[1], 64)
			return cold, d
		}
		time.Sleep(10 * time.Millisecond)
	}
	check(fmt.Errorf("no Init Duration for %s:\n%s", bin, logs.String()))
	return 0, 0
}

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func size(path string) string {
	fi, err := os.Stat(path)
	if err != nil {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(fi.Size())/(1<<20))
}

func machine() string {
	cpu := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.*)`).FindSubmatch(b); m != nil {
			cpu = string(m[1])
		}
	}
	return fmt.Sprintf("%s, %d cores, %s", cpu, runtime.NumCPU(), strings.TrimSpace(run("", nil, "go", "version")))
}
