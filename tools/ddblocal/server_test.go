package ddblocal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestTablesOfServerlessYmlAreCreatedOnDynamoDBLocal(t *testing.T) {
	t.Parallel()
	stage := RandomStage()
	_, client := ForTest(t, stage)
	ctx := t.Context()

	defs, err := Definitions(repoRoot(t), stage)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		want := contract[d.LogicalID]
		name := stage + want.suffix
		t.Run(name+" exists with its key, stream and TTL", func(t *testing.T) {
			out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
			if err != nil {
				t.Fatal(err)
			}
			tbl := out.Table
			if tbl.TableStatus != types.TableStatusActive {
				t.Errorf("status %s", tbl.TableStatus)
			}
			if len(tbl.KeySchema) != 1 || aws.ToString(tbl.KeySchema[0].AttributeName) != want.key {
				t.Errorf("key schema %+v, want %s", tbl.KeySchema, want.key)
			}
			if len(tbl.AttributeDefinitions) != 1 || tbl.AttributeDefinitions[0].AttributeType != want.keyType {
				t.Errorf("attributes %+v, want %s %s", tbl.AttributeDefinitions, want.key, want.keyType)
			}
			var stream types.StreamViewType
			if s := tbl.StreamSpecification; s != nil && aws.ToBool(s.StreamEnabled) {
				stream = s.StreamViewType
			}
			if stream != want.stream {
				t.Errorf("stream %q, want %q", stream, want.stream)
			}
			ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: &name})
			if err != nil {
				t.Fatal(err)
			}
			var gotTTL string
			if d := ttl.TimeToLiveDescription; d != nil && d.TimeToLiveStatus == types.TimeToLiveStatusEnabled {
				gotTTL = aws.ToString(d.AttributeName)
			}
			if gotTTL != want.ttl {
				t.Errorf("TTL on %q, want %q", gotTTL, want.ttl)
			}
		})
	}

	t.Run("creating them again is harmless", func(t *testing.T) {
		if err := CreateTables(ctx, client, repoRoot(t), stage); err != nil {
			t.Fatal(err)
		}
	})
}

func TestA19DigitNumberKeyRoundTripsExactly(t *testing.T) {
	t.Parallel()
	stage := RandomStage()
	_, client := ForTest(t, stage)
	ctx := t.Context()

	const uid = "1234567890123456789" // > 2^53: a float64 would make it ...784
	table := stage + "_twitter"
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &table,
		Item: map[string]types.AttributeValue{
			"uid":         &types.AttributeValueMemberN{Value: uid},
			"screen_name": &types.AttributeValueMemberS{Value: "someone"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      &table,
		Key:            map[string]types.AttributeValue{"uid": &types.AttributeValueMemberN{Value: uid}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := out.Item["uid"].(*types.AttributeValueMemberN)
	if !ok || got.Value != uid {
		t.Fatalf("uid %#v, want N %s", out.Item["uid"], uid)
	}
}

func TestStartExplainsAMissingEmulator(t *testing.T) {
	t.Parallel()
	_, err := Start(t.Context(), Options{Dir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("error %v, want one saying to run npm ci", err)
	}
}

func TestStopLeavesNoProcessBehind(t *testing.T) {
	t.Parallel()
	srv, err := Start(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pgid := srv.cmd.Process.Pid
	srv.Stop()
	srv.Stop() // a second Stop is a no-op
	waitGroupGone(t, pgid)
	client, err := Client(t.Context(), srv.Endpoint())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.ListTables(t.Context(), &dynamodb.ListTablesInput{}); err == nil {
		t.Error("the emulator still answers after Stop")
	}
}

// The helper process starts an emulator, prints its process group and
// hangs; the test kills the helper with SIGKILL (no deferred Stop can run)
// and expects the emulator to go away by itself.
func TestTheEmulatorDiesWithTheProcessThatStartedIt(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcessThatHangs$")
	cmd.Env = append(os.Environ(), "DDBLOCAL_HELPER=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper said %q: %v", line, err)
	}
	pgid, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "pgid "))
	if err != nil {
		t.Fatalf("helper said %q", line)
	}
	if err := syscall.Kill(-pgid, 0); err != nil {
		t.Fatalf("the emulator is not running before the kill: %v", err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitGroupGone(t, pgid)
}

func TestHelperProcessThatHangs(t *testing.T) {
	if os.Getenv("DDBLOCAL_HELPER") != "1" {
		t.Skip("helper process for TestTheEmulatorDiesWithTheProcessThatStartedIt")
	}
	srv, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("pgid %d\n", srv.cmd.Process.Pid)
	select {}
}

// waitGroupGone waits until no live process is left in process group pgid.
// A zombie counts as gone: it holds no resources, and in a container whose
// PID 1 does not reap, an orphan's zombie can stay forever.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		live := liveMembers(pgid)
		if len(live) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still has live processes %v", pgid, live)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// liveMembers lists the non-zombie processes of group pgid, from /proc
// where there is one, else from kill(-pgid, 0).
func liveMembers(pgid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		if errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH) {
			return nil
		}
		return []int{pgid}
	}
	var live []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
		fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(fields) < 3 || fields[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(fields[2]); g == pgid {
			live = append(live, pid)
		}
	}
	return live
}

// DynamoDB Local accepts any signature: it must listen on the loopback
// address only, never on every interface (*:port).
func TestDynamoDBLocalListensOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	root := repoRoot(t)
	if err := Available(root); err != nil {
		t.Skip(err)
	}
	s, err := Start(t.Context(), Options{Dir: root})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	_, portText, _ := strings.Cut(strings.TrimPrefix(s.Endpoint(), "http://"), ":")
	port, _ := strconv.Atoi(portText)

	listening := listenAddresses(t, port)
	if len(listening) == 0 {
		t.Fatalf("no listening socket on port %d in /proc/net/tcp{,6}", port)
	}
	for _, addr := range listening {
		if addr != "127.0.0.1" {
			t.Errorf("DynamoDB Local listens on %s:%d, want 127.0.0.1 only (all: %v)", addr, port, listening)
		}
	}
}

// listenAddresses reads the local addresses of the sockets listening on
// port from /proc/net/tcp and /proc/net/tcp6 (Linux).
func listenAddresses(t *testing.T, port int) []string {
	t.Helper()
	var addrs []string
	found := false
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(file)
		if err != nil {
			continue
		}
		found = true
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			hexAddr, hexPort, ok := strings.Cut(fields[1], ":")
			if p, err := strconv.ParseUint(hexPort, 16, 16); !ok || err != nil || int(p) != port {
				continue
			}
			addrs = append(addrs, procAddr(hexAddr))
		}
		f.Close()
	}
	if !found {
		t.Skip("no /proc/net/tcp: cannot read which address DynamoDB Local listens on")
	}
	return addrs
}

// procAddr turns /proc/net/tcp's hex address (32-bit words in host order,
// little-endian here) into text.
func procAddr(h string) string {
	b := make([]byte, len(h)/2)
	for i := range b {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		b[i] = byte(v)
	}
	for i := 0; i+4 <= len(b); i += 4 { // each 32-bit word is little-endian
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	if len(b) == 16 && string(b[:12]) == "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff" {
		b = b[12:] // an IPv4-mapped IPv6 address
	}
	return net.IP(b).String()
}
