package keyops

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The X app's secrets, under /twitter-sessions/<stage>/ (serverless.yml's
// twitterConsumerSecretSsm and twitterClientSecretSsm).
const (
	ConsumerSecret = "twitter-consumer-secret" // OAuth 1.0a: the API Key Secret
	ClientSecret   = "twitter-client-secret"   // OAuth 2.0: the Client Secret
)

// The sign-in protocols (serverless.yml's signinProtocol, SIGNIN_PROTOCOL).
const (
	OAuth2 = "oauth2"
	OAuth1 = "oauth1"
)

// minSecretLen rejects an empty or truncated paste: X's API Key Secrets and
// OAuth 2.0 Client Secrets are 50 characters.
const minSecretLen = 20

// A Secret is one of the X app's secrets that make secrets asks for.
type Secret struct {
	Param string // the parameter under the stage's prefix
	Name  string // what X's developer portal calls it
	// Keep: an empty answer keeps the stored value. The other protocol's
	// secret is asked this way: it is kept for the users who signed in with
	// that protocol, and is seldom typed again.
	Keep bool
}

// App is what a stage's configuration says about its X app: which protocol
// new sign-ins use, and which app credentials it names.
type App struct {
	Protocol    string // OAuth2 or OAuth1
	ConsumerKey string // TWITTER_CONSUMER_KEY ("" when not set)
	ClientID    string // TWITTER_CLIENT_ID ("" when not set)
}

var (
	clientSecret   = Secret{Param: ClientSecret, Name: "X OAuth 2.0 Client Secret"}
	consumerSecret = Secret{Param: ConsumerSecret, Name: "X API Key Secret (OAuth 1.0a)"}
)

// Secrets lists what make secrets asks for, in the order it reads the
// answers: the protocol's own secret, always typed; then the other
// protocol's, when the stage still names that protocol's key or client id
// (its users keep working until they sign in again), where Enter keeps the
// stored value.
func (a App) Secrets() ([]Secret, error) {
	own, other, otherKey := clientSecret, consumerSecret, a.ConsumerKey
	// Read as the functions read SIGNIN_PROTOCOL: unset is oauth2, the case
	// does not matter.
	switch strings.ToLower(strings.TrimSpace(a.Protocol)) {
	case OAuth2, "":
	case OAuth1:
		own, other, otherKey = consumerSecret, clientSecret, a.ClientID
	default:
		return nil, fmt.Errorf("unknown sign-in protocol %q: want %s or %s", a.Protocol, OAuth2, OAuth1)
	}
	list := []Secret{own}
	if strings.TrimSpace(otherKey) != "" {
		other.Keep = true
		list = append(list, other)
	}
	return list, nil
}

// Prompt is what the operator is asked for the secret on stage.
func (s Secret) Prompt(stage string) string {
	if s.Keep {
		return fmt.Sprintf("%s for %s, kept for the users who signed in with it (Enter keeps the stored one)", s.Name, stage)
	}
	return fmt.Sprintf("%s for %s", s.Name, stage)
}

// Prompts writes one line per secret: what the Makefile asks the operator,
// in the order StoreSecrets reads the answers.
func Prompts(secrets []Secret, stage string, out io.Writer) error {
	for _, s := range secrets {
		if _, err := fmt.Fprintln(out, s.Prompt(stage)); err != nil {
			return err
		}
	}
	return nil
}

// storeAppSecrets reads one line per secret of s.Secrets from in (the
// answers, in order) and stores each; an empty answer to a Keep secret
// keeps the stored value. Nothing is written before every answer is read
// and checked, so a mistake leaves the stage as it was.
func (s Stage) storeAppSecrets(ctx context.Context, in io.Reader, out io.Writer) error {
	answers, err := readAnswers(in, len(s.Secrets))
	if err != nil {
		return err
	}
	for i, sec := range s.Secrets {
		if err := checkAnswer(sec, answers[i]); err != nil {
			return err
		}
	}
	for i, sec := range s.Secrets {
		if answers[i] != "" {
			continue
		}
		if _, ok, err := s.get(ctx, sec.Param); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("nothing typed for the %s and %s does not exist yet: the stage names its key, so its functions need it", sec.Name, s.Name(sec.Param))
		}
	}
	for i, sec := range s.Secrets {
		if answers[i] == "" {
			fmt.Fprintf(out, "kept the existing %s\n", s.Name(sec.Param))
			continue
		}
		if err := s.put(ctx, sec.Param, answers[i]); err != nil {
			return err
		}
		fmt.Fprintf(out, "stored %s\n", s.Name(sec.Param))
	}
	return nil
}

// checkAnswer refuses an answer that cannot be the secret. It never
// repeats the answer.
func checkAnswer(sec Secret, answer string) error {
	if answer == "" && sec.Keep {
		return nil
	}
	if len(answer) < minSecretLen {
		return fmt.Errorf("the %s read from stdin is empty or too short (X's secrets are 50 characters)", sec.Name)
	}
	return nil
}

// readAnswers reads n lines, trimmed; the last may lack its newline.
func readAnswers(in io.Reader, n int) ([]string, error) {
	r := bufio.NewReader(in)
	answers := make([]string, n)
	eof := false
	for i := range answers {
		if eof {
			return nil, fmt.Errorf("stdin ended after %d of the %d secrets (one line each)", i, n)
		}
		line, err := r.ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading the secrets from stdin: %w", err)
		}
		eof = errors.Is(err, io.EOF)
		answers[i] = strings.TrimSpace(line)
	}
	return answers, nil
}

// checkAppSecrets is make deploy's check that every secret the stage's
// functions read exists: a function started without it would stop at once.
func (s Stage) checkAppSecrets(ctx context.Context) error {
	for _, sec := range s.Secrets {
		if _, ok, err := s.get(ctx, sec.Param); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("the stage has no %s (the %s) yet: run make secrets", s.Name(sec.Param), sec.Name)
		}
	}
	return nil
}
