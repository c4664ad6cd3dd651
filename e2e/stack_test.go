package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// Timing of the dev stack: a cold JVM for DynamoDB Local takes a few seconds.
const (
	stackStartTimeout = 90 * time.Second
	stackStopTimeout  = 20 * time.Second
)

// devStack is tools/dev (what `make dev` runs) started by this test binary on
// ports of its own.
type devStack struct {
	protocol string   // how visitors sign in (SIGNIN_PROTOCOL)
	root     string   // the repository
	site     *url.URL // the landing page (SITE_CALLBACK_URL)
	sandbox  *url.URL // the X sandbox (TWITTER_API_BASE_URL)
	pages    *url.URL // site/ served from another origin of the same site, allowed by ALLOWED_ORIGINS
	dynamo   string   // DynamoDB Local's endpoint, as tools/dev printed it
	tmp      string   // binary, env file and DynamoDB data

	cmd       *exec.Cmd
	out       *syncBuffer // everything tools/dev printed
	exited    chan struct{}
	pagesStop func()
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range protocols {
		if s := stacks[p].s; s != nil {
			if err := s.stop(); err != nil {
				fmt.Fprintf(os.Stderr, "e2e: stopping the %s dev stack: %v\n", p, err)
				if code == 0 {
					code = 1
				}
			}
		}
	}
	os.Exit(code)
}

// startStackRetrying starts a dev stack (tools/dev with the extra flags) on
// free ports. The ports are picked free, then closed for tools/dev to listen
// on: another process may take one in between. tools/dev listens before
// anything else, so that shows at once; try again with new ports.
func startStackRetrying(flags ...string) (s *devStack, err error) {
	for try := 1; ; try++ {
		s, err = startStack(flags...)
		if err == nil || try == 3 || !strings.Contains(err.Error(), "address already in use") {
			return s, err
		}
	}
}

func startStack(flags ...string) (*devStack, error) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "e2e-dev-")
	if err != nil {
		return nil, err
	}
	s := &devStack{protocol: protocolOf(flags), root: root, tmp: tmp, out: &syncBuffer{}, exited: make(chan struct{})}
	bin := filepath.Join(tmp, "dev")
	build := exec.Command("go", "build", "-o", bin, "./tools/dev")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build ./tools/dev: %w\n%s", err, out)
	}

	sitePort, err := freePort()
	if err != nil {
		return nil, err
	}
	sandboxPort, err := freePort()
	if err != nil {
		return nil, err
	}
	s.site = &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", sitePort), Path: "/"}
	s.sandbox = &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", sandboxPort)}
	// The single-page variant on another origin of the API's site, as a
	// brand's page (www.) and API (api.) may be: allowed by ALLOWED_ORIGINS.
	s.pages, s.pagesStop, err = startPages(root, s.site)
	if err != nil {
		return nil, err
	}
	running := false // from then on, s.stop stops the pages too
	defer func() {
		if !running {
			s.pagesStop()
		}
	}()
	envFile := filepath.Join(tmp, "env")
	env := fmt.Sprintf("TWITTER_API_BASE_URL=%s\nTWITTER_AUTHORIZE_URL=%s\nTWITTER_CALLBACK_URL=%s\nSITE_CALLBACK_URL=%s\nALLOWED_ORIGINS=%s,%s\n",
		s.sandbox, s.authorizePage(), s.site.JoinPath("api/twitter-callback"), s.site, origin(s.site), origin(s.pages))
	if err := os.WriteFile(envFile, []byte(env), 0o600); err != nil {
		return nil, err
	}
	// tools/dev joins -env-file to the repository root, so an absolute path
	// would not be found: give it the path relative to the root.
	relEnv, err := filepath.Rel(root, envFile)
	if err != nil {
		return nil, err
	}

	s.cmd = exec.Command(bin, append([]string{"-reset", "-data", filepath.Join(tmp, "dynamodb"), "-ddb-port", "0", "-env-file", relEnv}, flags...)...)
	s.cmd.Dir = root
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	running = true
	go func() {
		_ = s.cmd.Wait()
		pw.Close()
		close(s.exited)
	}()

	// Wait for the banner: "... is running ..." then "DynamoDB Local <url> ...".
	ready := make(chan error, 1)
	go func() {
		running := false
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		defer io.Copy(io.Discard, pr) // never block tools/dev on a full pipe
		for sc.Scan() {
			line := sc.Text()
			s.out.WriteLine(line)
			if strings.Contains(line, "running") {
				running = true
			}
			if f := strings.Fields(line); running && s.dynamo == "" && len(f) >= 3 && f[0] == "DynamoDB" && f[1] == "Local" {
				s.dynamo = f[2]
				ready <- nil
			}
		}
		if s.dynamo == "" {
			ready <- errors.New("tools/dev ended before it was running")
		}
	}()
	select {
	case err = <-ready:
	case <-time.After(stackStartTimeout):
		err = fmt.Errorf("tools/dev did not print that it was running within %s", stackStartTimeout)
	}
	if err != nil {
		_ = s.stop()
		return nil, fmt.Errorf("%w; its output:\n%s", err, s.out)
	}
	return s, nil
}

// stop sends Ctrl-C (SIGINT) as a developer would and checks that tools/dev
// exits and leaves no DynamoDB Local behind.
func (s *devStack) stop() error {
	defer os.RemoveAll(s.tmp)
	if s.pagesStop != nil {
		defer s.pagesStop()
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(stackStopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exited
		return fmt.Errorf("tools/dev did not exit within %s of SIGINT; its output:\n%s", stackStopTimeout, s.out)
	}
	// The JVM gets its data folder on its command line: none may outlive tools/dev.
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := processesMentioning(s.tmp)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left after tools/dev exited: %s", strings.Join(left, "; "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logs returns the last n lines tools/dev printed (the functions log there).
func (s *devStack) logs(n int) string {
	lines := strings.Split(strings.TrimRight(s.out.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// processesMentioning lists the live processes whose command line contains s.
func processesMentioning(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var found []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(s)) {
			continue
		}
		stat, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && len(stat) > i+2 && stat[i+2] == 'Z' {
			continue // a zombie waiting for its parent: already gone
		}
		found = append(found, e.Name()+": "+string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
	}
	return found
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) WriteLine(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
	b.b.WriteByte('\n')
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
