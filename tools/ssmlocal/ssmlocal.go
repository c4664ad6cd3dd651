// Package ssmlocal is a stand-in for AWS Systems Manager Parameter Store, for
// tests and local runs (there is no official SSM emulator). It is an
// http.Handler speaking SSM's JSON protocol (awsJson1_1, one POST per call,
// the operation in X-Amz-Target) for the four operations this project makes:
//
//   - GetParameters: the functions at cold start and when their keyring
//     re-reads the keys (shared/config.SSM, a plain signed request);
//   - GetParameter, PutParameter (SecureString, Overwrite) and
//     DeleteParameter (make retire-keys): tws keys, through the SDK's ssm
//     client.
//
// Point clients at it the SDK's way: AWS_ENDPOINT_URL_SSM=<server URL>. It
// records every call (operation and parameter names, never values) so that
// tests can count them. It requires a SigV4 Authorization header but does not
// verify the signature, and it encrypts nothing: SecureString values are
// returned as they were stored when WithDecryption is true, and as an opaque
// stand-in for ciphertext otherwise, as SSM does.
package ssmlocal

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The operations the stand-in answers.
const (
	OpGetParameters   = "GetParameters"
	OpGetParameter    = "GetParameter"
	OpPutParameter    = "PutParameter"
	OpDeleteParameter = "DeleteParameter"
)

// account is the stand-in's AWS account id, in the ARNs it returns.
const account = "000000000000"

// Call is one request the stand-in answered.
type Call struct {
	Operation string   // GetParameters, GetParameter, PutParameter, or whatever X-Amz-Target named
	Names     []string // the parameters the call named
	Status    int      // the HTTP status answered
}

// Server is the parameter store. The zero value is not usable; use New.
type Server struct {
	mu     sync.Mutex
	params map[string]*param
	calls  []Call
	now    func() time.Time
}

type param struct {
	typ      string
	value    string
	version  int64
	modified time.Time
}

// New returns an empty parameter store.
func New() *Server {
	return &Server{params: map[string]*param{}, now: time.Now}
}

// Set stores a SecureString directly (a test's setup; not recorded as a call).
func (s *Server) Set(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(name, value, "SecureString")
}

// Value returns a parameter's value as stored.
func (s *Server) Value(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.params[name]
	if !ok {
		return "", false
	}
	return p.value, true
}

// Delete removes a parameter (a test's setup; not recorded as a call).
func (s *Server) Delete(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.params, name)
}

// Calls returns every call answered so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		c.Names = slices.Clone(c.Names)
		out[i] = c
	}
	return out
}

// Count returns how many calls of operation were answered (any status).
func (s *Server) Count(operation string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Operation == operation {
			n++
		}
	}
	return n
}

// apiError is an SSM error answer: {"__type": ..., "message": ...}, which the
// SDK maps onto its typed errors (types.ParameterNotFound, ...).
type apiError struct {
	status int
	typ    string
	msg    string
}

func fail(status int, typ, format string, args ...any) *apiError {
	return &apiError{status: status, typ: typ, msg: fmt.Sprintf(format, args...)}
}

// ServeHTTP answers one SSM call.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonSSM.")
	call := Call{Operation: op}
	out, aerr := s.serve(r, op, &call)
	call.Status = http.StatusOK
	if aerr != nil {
		call.Status = aerr.status
	}
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-RequestId", requestID())
	if aerr != nil {
		w.WriteHeader(aerr.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": aerr.typ, "message": aerr.msg})
		return
	}
	_ = json.NewEncoder(w).Encode(out)
}

func (s *Server) serve(r *http.Request, op string, call *Call) (any, *apiError) {
	if r.Method != http.MethodPost {
		return nil, fail(http.StatusMethodNotAllowed, "UnknownOperationException", "SSM takes POST, not %s", r.Method)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") || !strings.Contains(auth, "Signature=") {
		return nil, fail(http.StatusBadRequest, "MissingAuthenticationTokenException", "Missing Authentication Token (a SigV4 Authorization header)")
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		return nil, fail(http.StatusBadRequest, "SerializationException", "Content-Type %q, want application/x-amz-json-1.1", ct)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, fail(http.StatusBadRequest, "SerializationException", "reading the body: %v", err)
	}
	switch op {
	case OpGetParameters, OpGetParameter, OpPutParameter, OpDeleteParameter:
	default:
		return nil, fail(http.StatusBadRequest, "UnknownOperationException", "ssmlocal answers GetParameters, GetParameter, PutParameter and DeleteParameter, not %q", op)
	}
	var in struct { // the fields of the four operations' requests
		Names                     []string
		Name, Value, Type         string
		WithDecryption, Overwrite bool
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, fail(http.StatusBadRequest, "SerializationException", "%v", err)
	}
	call.Names = []string{in.Name}
	switch op {
	case OpGetParameters:
		call.Names = in.Names
		return s.getParameters(in.Names, in.WithDecryption, regionOf(auth))
	case OpGetParameter:
		return s.getParameter(in.Name, in.WithDecryption, regionOf(auth))
	case OpPutParameter:
		return s.putParameter(in.Name, in.Value, in.Type, in.Overwrite)
	}
	return s.deleteParameter(in.Name)
}

// parameter is a Parameter as SSM returns it.
type parameter struct {
	ARN              string
	DataType         string
	LastModifiedDate float64 // epoch seconds, as awsJson1_1 encodes timestamps
	Name             string
	Type             string
	Value            string
	Version          int64
}

func (s *Server) getParameters(names []string, decrypt bool, region string) (any, *apiError) {
	if len(names) == 0 || len(names) > 10 {
		return nil, fail(http.StatusBadRequest, "ValidationException", "Names has %d members, want 1 to 10", len(names))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := struct {
		Parameters        []parameter
		InvalidParameters []string
	}{Parameters: []parameter{}, InvalidParameters: []string{}}
	for _, n := range names {
		if p, ok := s.params[n]; ok {
			out.Parameters = append(out.Parameters, p.answer(n, decrypt, region))
		} else {
			out.InvalidParameters = append(out.InvalidParameters, n)
		}
	}
	return out, nil
}

func (s *Server) getParameter(name string, decrypt bool, region string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.params[name]
	if !ok {
		return nil, fail(http.StatusBadRequest, "ParameterNotFound", "Parameter %s not found.", name)
	}
	return struct{ Parameter parameter }{p.answer(name, decrypt, region)}, nil
}

func (s *Server) putParameter(name, value, typ string, overwrite bool) (any, *apiError) {
	if name == "" || value == "" {
		return nil, fail(http.StatusBadRequest, "ValidationException", "Name and Value are required")
	}
	switch typ {
	case "", "String", "StringList", "SecureString":
	default:
		return nil, fail(http.StatusBadRequest, "ValidationException", "Type %q is not String, StringList or SecureString", typ)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, exists := s.params[name]
	switch {
	case exists && !overwrite:
		return nil, fail(http.StatusBadRequest, "ParameterAlreadyExists", "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.")
	case !exists && typ == "":
		return nil, fail(http.StatusBadRequest, "ValidationException", "A parameter type is required when you create a parameter.")
	case typ == "":
		typ = old.typ
	}
	p := s.put(name, value, typ)
	return struct {
		Tier    string
		Version int64
	}{"Standard", p.version}, nil
}

func (s *Server) deleteParameter(name string) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.params[name]; !ok {
		return nil, fail(http.StatusBadRequest, "ParameterNotFound", "Parameter %s not found.", name)
	}
	delete(s.params, name)
	return struct{}{}, nil
}

// put stores a value; s.mu is held.
func (s *Server) put(name, value, typ string) *param {
	p, ok := s.params[name]
	if !ok {
		p = &param{}
		s.params[name] = p
	}
	p.typ, p.value, p.modified = typ, value, s.now()
	p.version++
	return p
}

func (p *param) answer(name string, decrypt bool, region string) parameter {
	v := p.value
	if p.typ == "SecureString" && !decrypt {
		// What SSM returns without WithDecryption is ciphertext: never the value.
		sum := sha256.Sum256([]byte(name + "\x00" + p.value))
		v = "ssmlocal-ciphertext-" + hex.EncodeToString(sum[:12])
	}
	return parameter{
		ARN:              "arn:aws:ssm:" + region + ":" + account + ":parameter/" + strings.TrimPrefix(name, "/"),
		DataType:         "text",
		LastModifiedDate: float64(p.modified.UnixMilli()) / 1000,
		Name:             name,
		Type:             p.typ,
		Value:            v,
		Version:          p.version,
	}
}

// regionOf reads the region from the SigV4 credential scope
// (Credential=AKID/20261125/eu-west-1/ssm/aws4_request).
func regionOf(auth string) string {
	_, scope, _ := strings.Cut(auth, "Credential=")
	scope, _, _ = strings.Cut(scope, ",")
	parts := strings.Split(scope, "/")
	if len(parts) != 5 || parts[2] == "" {
		return "us-east-1"
	}
	return parts[2]
}

func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
