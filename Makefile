# twitter-sessions. `make` (or `make help`) lists the targets.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
MAKEFLAGS += --no-builtin-rules --warn-undefined-variables

# Stage for package/deploy/ddb: `make package STAGE=production`. deploy insists on an explicit STAGE.
STAGE ?=
# Extra arguments for serverless, e.g. SLS_ARGS="--param 'region=eu-west-1'".
SLS_ARGS ?=
# Arguments of `make dev`, e.g. DEV_ARGS=-reset to start with empty tables.
DEV_ARGS ?=
# Arguments of `make bench`, e.g. BENCH_ARGS="-cold-starts 5 -signins 500".
BENCH_ARGS ?=
# Port of `make ddb`.
DDB_PORT ?= 8000

SUDO = $(if $(filter 0,$(shell id -u)),,sudo)
# Installs Debian package $(2) when command $(1) is missing.
ensure = command -v $(1) >/dev/null 2>&1 || { echo "$(1) not found: apt-get install $(2)"; \
	$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(2) >/dev/null; }

# Every functions/<name>/ is a Lambda: .build/<name>/bootstrap (linux/arm64, static) -> .build/<name>.zip.
FUNCTIONS := $(patsubst functions/%/,%,$(wildcard functions/*/))
ZIPS := $(FUNCTIONS:%=.build/%.zip)
# Keep the binaries (make would delete them as intermediates): the local tooling runs them.
.SECONDARY: $(FUNCTIONS:%=.build/%/bootstrap)
# What a bootstrap is built from: its own folder, plus shared/ and the module files that every Lambda may use.
SHARED_SOURCES := go.mod go.sum $(shell find shared -name '*.go' ! -name '*_test.go' 2>/dev/null)
LAMBDA_ENV := CGO_ENABLED=0 GOOS=linux GOARCH=arm64
LAMBDA_FLAGS := -tags lambda.norpc -trimpath -ldflags="-s -w -buildid="

# npm writes node_modules/.package-lock.json on every install: newer than package-lock.json means up to date.
NODE_STAMP := node_modules/.package-lock.json
SERVERLESS := npx --no-install serverless
# The brand's operator command (cmd/tws: tws -h lists its commands), built, not go run: its own exit status
# and messages, without go run's "exit status 1". go build is incremental: it rebuilds only what changed.
TWS := go build -o .build/tws ./cmd/tws && .build/tws

.PHONY: help deps build bench campaign invoke package package-check deploy smoke secrets edge-acl rotate-edge-secret rotate-key reseal retire-keys subscribers stats campaigns forget lint tidy-check ddb test dev clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z][a-zA-Z_-]*:.*## / {printf "  %-11s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: $(NODE_STAMP) ## Install tool dependencies (npm ci when package-lock.json changed, go modules, zip, java)
	go mod download
	@$(call ensure,zip,zip)
	@$(call ensure,java,default-jre-headless)

package-lock.json: # only when missing
	npm install --no-audit --no-fund

$(NODE_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund
	@touch $@

build: $(ZIPS) ## Build every function into .build/<function>.zip (linux/arm64 bootstrap)

.SECONDEXPANSION:
.build/%/bootstrap: $(SHARED_SOURCES) $$(shell find functions/$$* -name '*.go' ! -name '*_test.go')
	$(LAMBDA_ENV) go build $(LAMBDA_FLAGS) -o $@ ./functions/$*

# Deterministic zip: one entry `bootstrap`, mode 0755, fixed timestamp, no extra fields (zip -X).
# The fixed timestamp goes on a copy so that make still sees the real build time of the binary.
.build/%.zip: .build/%/bootstrap
	@$(call ensure,zip,zip)
	@rm -rf $(@D)/$*/zip && mkdir -p $(@D)/$*/zip && cp $< $(@D)/$*/zip/bootstrap
	@chmod 0755 $(@D)/$*/zip/bootstrap && TZ=UTC touch -t 198001010000 $(@D)/$*/zip/bootstrap
	@rm -f $@ && cd $(@D)/$*/zip && TZ=UTC zip -q -X -D $(CURDIR)/$@ bootstrap
	@echo "built $@"

package: $(NODE_STAMP) ## Package the stack into .serverless/ without deploying (STAGE=staging by default)
	$(SERVERLESS) package --stage $(or $(STAGE),staging) $(SLS_ARGS)

# The functions get the current token encryption key's id (never the key) as TOKEN_ENCRYPTION_KEY_ID: after
# make rotate-key their configuration changes, so the deploy really happens and replaces every warm function.
deploy: $(NODE_STAMP) ## Deploy the stack: make deploy STAGE=staging|production
	@[[ "$(STAGE)" =~ ^(staging|production)$$ ]] || { echo "say which stage: make deploy STAGE=staging|production"; exit 2; }
	@id=$$($(TWS) keys key-id -stage $(STAGE)) || { echo "deploy: $(STAGE) is not ready (above: what is missing in SSM; make secrets STAGE=$(STAGE) creates it)"; exit 1; }; \
	  edge=$$($(TWS) keys edge-id -stage $(STAGE)) || { echo "deploy: $(STAGE) has edge protection but no origin header secret (make secrets STAGE=$(STAGE) creates it)"; exit 1; }; \
	  echo "deploying $(STAGE) with tokenEncryptionKeyId=$$id (the current token encryption key's id), edgeSecretId=$$edge (the origin header secret's id)"; \
	  $(SERVERLESS) deploy --stage $(STAGE) --param "tokenEncryptionKeyId=$$id" --param "edgeSecretId=$$edge" $(SLS_ARGS)

# Stages that live in AWS; the operator targets below refuse anything else.
need-deployed-stage = @[[ "$(STAGE)" =~ ^(staging|production)$$ ]] || { echo "say which stage: make $@ STAGE=staging|production"; exit 2; }

URL ?=
ORIGIN ?=
# With edge protection: URL is the EdgeUrl output (CloudFront); DIRECT=<the HttpApi URL> also checks that the API's
# own address refuses a sign-in (403: the origin header secret is missing).
DIRECT ?=
smoke: ## After a deploy: start a sign-in on the deployed API (URL=<EdgeUrl, or HttpApi URL without edge> ORIGIN=<your site's origin> [DIRECT=<HttpApi URL>])
	@[[ -n "$(URL)" && -n "$(ORIGIN)" ]] || { echo "make smoke URL=<the EdgeUrl output (edge protection), else the HttpApi URL that deploy printed> ORIGIN=<an allowed page origin, e.g. https://www.brand.com>"; exit 2; }
	@if [[ -n "$(DIRECT)" ]]; then \
	  code=$$(curl -sS --max-time 15 -o /dev/null -w '%{http_code}' -H 'Accept: application/json' -H 'Origin: $(ORIGIN)' --data 'follow=false' "$(DIRECT)/api/twitter-session"); \
	  [[ "$$code" == 403 ]] || { echo "smoke: FAILED: a sign-in sent around the edge to $(DIRECT) answered $$code, want 403"; exit 1; }; \
	  echo "smoke: the API's own address refuses requests around the edge (403)"; fi
	@out=$$(curl -sS --max-time 15 -H 'Accept: application/json' -H 'Origin: $(ORIGIN)' --data 'follow=false' "$(URL)/api/twitter-session"); \
	  echo "$$out"; [[ "$$out" == *'"authorize_url":"http'* ]] \
	  || { echo "smoke: FAILED (see the reason above and the function's log: npx serverless logs -f generate_session --stage ...)"; exit 1; }; \
	  code=$$(curl -sS --max-time 15 -o /dev/null -w '%{http_code}' -H 'Accept: application/json' -H 'Origin: https://smoke-test.invalid' --data 'follow=false' "$(URL)/api/twitter-session"); \
	  [[ "$$code" == 403 ]] || { echo "smoke: FAILED: a sign-in started from another origin answered $$code, want 403"; exit 1; }; \
	  if [[ "$$out" == *'oauth2/authorize'* ]]; then \
	    echo "smoke: ok (the function started with its secrets from SSM and wrote the session; another origin is refused with 403)"; \
	    echo "  OAuth 2.0 starts without calling X: open the authorize_url above and sign in once to check the client id, secret and callback URL"; \
	  else echo "smoke: ok (keys, secrets in SSM, callback URL and X all answered; another origin is refused with 403)"; fi; \
	  echo "next: connect the brand account (the sender of the DMs) once: open brand.html on your site (a copy of site/brand.html,"; \
	  echo "  or any form that posts brand=true to $(URL)/api/twitter-session) and sign in at X as the FOLLOW_UID account;"; \
	  echo "  until then welcome DMs wait (waiting_brand). make subscribers STAGE=... lists it with brand=true."

# The sign-in protocol whose secrets make secrets asks for; empty: the stage's signinProtocol in serverless.yml.
PROTOCOL ?=
# tws keys says which of the X app's secrets the stage needs (one prompt per line); each is typed, not echoed.
secrets: ## Store the X app's secrets for STAGE's sign-in protocol (typed, not echoed); create the encryption and link keys and the edge secret in SSM
	$(need-deployed-stage)
	@args=(-stage '$(STAGE)' $(if $(PROTOCOL),-protocol '$(PROTOCOL)')); \
	  prompts=$$($(TWS) keys prompts "$${args[@]}"); answers=''; \
	  while IFS= read -r prompt; do read -rsp "$$prompt: " answer </dev/tty; echo; answers+="$$answer"$$'\n'; done <<<"$$prompts"; \
	  printf '%s' "$$answers" | $(TWS) keys store "$${args[@]}"

# A stage outside us-east-1 cannot create its CLOUDFRONT web ACL (it must be in us-east-1): this deploys the same
# web ACL (tools/edgeacl takes it from the stage's packaged template) as a small stack in us-east-1, with the AWS CLI.
edge-acl: $(NODE_STAMP) ## For a stage outside us-east-1: deploy its edge web ACL in us-east-1; prints the ARN for edgeWebAclArn
	$(need-deployed-stage)
	SKIP_GO_BUILD=1 $(SERVERLESS) package --stage $(STAGE) --package .build/sls-$(STAGE) $(SLS_ARGS)
	go run ./tools/edgeacl -in .build/sls-$(STAGE)/cloudformation-template-update-stack.json -out .build/edge-acl-$(STAGE).json
	aws cloudformation deploy --region us-east-1 --stack-name twitter-sessions-$(STAGE)-edge-acl --template-file .build/edge-acl-$(STAGE).json
	@echo "edgeWebAclArn for $(STAGE):"; aws cloudformation describe-stacks --region us-east-1 --stack-name twitter-sessions-$(STAGE)-edge-acl \
	  --query "Stacks[0].Outputs[?OutputKey=='WebAclArn'].OutputValue" --output text

rotate-edge-secret: ## Make a new origin header secret current for STAGE's edge (the previous one stays accepted; then make deploy)
	$(need-deployed-stage)
	$(TWS) keys rotate-edge -stage $(STAGE)

rotate-key: ## Make a new token encryption key current for STAGE (old keys still open old values; then make deploy)
	$(need-deployed-stage)
	$(TWS) keys rotate -stage $(STAGE)

reseal: ## Re-encrypt every stored token of STAGE with the current key (after rotate-key and deploy; repeatable)
	$(need-deployed-stage)
	$(TWS) keys reseal -stage $(STAGE)

# The brand's view (tws; the work is in ops): on STAGE=local (make dev running) or a deployed stage (your AWS credentials).
# Data goes to stdout (or OUT), the stage line, progress and errors to stderr.
FORMAT ?=
DAYS ?= 30
OUT ?=
UID ?=
YES ?=
SKIP_REVOKE ?=

subscribers: ## Every user of STAGE, never a token: CSV on stdout (FORMAT=json: JSON Lines)
	@$(TWS) subscribers -stage '$(STAGE)' $(if $(FORMAT),-format '$(FORMAT)')

stats: ## Sign-ups per day and utm_source, unsubscribes, revocations of STAGE (DAYS=30; FORMAT=html OUT=page.html)
	@$(TWS) stats -stage '$(STAGE)' -days '$(DAYS)' $(if $(FORMAT),-format '$(FORMAT)') $(if $(OUT),-out '$(OUT)')

campaigns: ## Each campaign of STAGE: status, counts, progress, what it waits for
	@$(TWS) campaigns -stage '$(STAGE)'

# UID must come from the command line: a UID exported by a shell must never choose whom to erase.
forget: ## Erase one person from STAGE, revoking their token at X: make forget STAGE=... UID=<X id> (YES=1: no prompt)
	@[[ "$(origin UID)" == "command line" && -n "$(UID)" ]] || { echo "say whom: make forget STAGE=... UID=<the person's X id>"; exit 2; }
	@$(TWS) forget -stage '$(STAGE)' -uid '$(UID)' $(if $(filter 1,$(SKIP_REVOKE)),-skip-revoke) \
	  $(if $(filter 1,$(YES)),-yes,</dev/tty)

retire-keys: ## Delete STAGE's old token encryption keys once no stored value is sealed with one (after reseal; prints counts)
	$(need-deployed-stage)
	$(TWS) keys retire -stage $(STAGE)

# gocyclo, pinned: lint runs it through the Go module proxy (go run), nothing to install by hand.
GOCYCLO := github.com/fzipp/gocyclo/cmd/gocyclo@v0.6.0

lint: ## gofmt, go vet, cyclomatic complexity at most 15 outside tests, and no build output or large file in git
	@bad=$$(git ls-files -z --cached --others --exclude-standard '*.go' | xargs -0 -r gofmt -l); \
	  [[ -z "$$bad" ]] || { echo "gofmt needed:"; echo "$$bad"; exit 1; }
	go vet ./...
	@git ls-files -z --cached --others --exclude-standard '*.go' ':!:*_test.go' | xargs -0 -r go run $(GOCYCLO) -over 15 \
	  || { echo "above: functions over cyclomatic complexity 15 (outside tests); simplify them"; exit 1; }
	@bad=$$(git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do \
	  [[ -f "$$f" ]] || continue; \
	  case "$$f" in docs/*.png|docs/*.jpg|package-lock.json) continue;; esac; \
	  if [[ $$(stat -c %s "$$f") -gt 1000000 ]]; then echo "$$f (over 1 MB)"; \
	  elif head -c 4 "$$f" | grep -qaE $$'^(\x7fELF|MZ|\xcf\xfa\xed\xfe|\xfe\xed\xfa)'; then echo "$$f (a binary)"; fi; \
	  done); [[ -z "$$bad" ]] || { echo "build outputs or large files in git (git rm --cached them, and ignore them):"; echo "$$bad"; exit 1; }

tidy-check: ## Fail when go.mod/go.sum are not tidy
	go mod tidy -diff

ddb: $(NODE_STAMP) ## Run DynamoDB Local in the foreground with the tables of STAGE (default local), port DDB_PORT
	@$(call ensure,java,default-jre-headless)
	go run ./tools/ddblocal/cmd/ddblocal -port $(DDB_PORT) -stage $(or $(STAGE),local)

# Go test flags, e.g. TESTFLAGS="-run TestSignIn -v". -timeout 25m: the e2e package (browser, invoke local) runs
# for minutes on a busy 2-core machine, past go test's default of 10; a hung test still ends the run.
TESTFLAGS ?=

# cfn-lint, AWS's CloudFormation linter (Python), checks the packaged templates in deploy/cfnlint_test.go.
ensure-cfn-lint = command -v cfn-lint >/dev/null 2>&1 || { echo "cfn-lint not found: pip install cfn-lint"; \
	{ command -v pip3 >/dev/null 2>&1 && pip3 install -q cfn-lint; } || true; \
	command -v cfn-lint >/dev/null 2>&1 || { echo "install cfn-lint (pip install cfn-lint), then make test again"; exit 1; }; }

test: deps ## Run every test suite: unit, DynamoDB Local + X sandbox, browser (chromium), invoke local, templates (cfn-lint)
	@$(call ensure,java,default-jre-headless)
	@$(call ensure,chromium,chromium)
	@$(ensure-cfn-lint)
	$(MAKE) --no-print-directory package-check
	go run ./tools/ddblocal/cmd/ddblocal -port 0 -stage '' -- go test -race -count=1 -timeout 25m $(TESTFLAGS) ./...

# The README's walk-through pictures (docs/*.png), taken by the browser test (e2e/walkthrough_test.go) on a stack
# of its own, alone, so that nothing else shows in them: a run gives the same pictures unless the pages changed.
.PHONY: screenshots
screenshots: deps ## Regenerate the README's screenshots (docs/*.png) from the browser test
	@$(call ensure,java,default-jre-headless)
	@$(call ensure,chromium,chromium)
	DOCS_SCREENSHOTS_DIR=$(CURDIR)/docs go test -count=1 -run '^TestBrowserWalkThroughOfTheREADME$$' ./e2e/

# `serverless package` must work offline for both deployed stages (the templates are inspected by tests).
package-check: build
	@for stage in staging production; do \
	  out=$$(SKIP_GO_BUILD=1 $(SERVERLESS) package --stage $$stage --package .build/sls-$$stage 2>&1) \
	    || { echo "$$out"; echo "serverless package --stage $$stage failed"; exit 1; }; \
	  echo "serverless package --stage $$stage: ok"; \
	done

bench: deps build ## Measure cold starts (RIE), warm sign-ins, sizes, micro-benchmarks; writes .build/bench.md
	@$(call ensure,java,default-jre-headless)
	go run ./tools/ddblocal/cmd/ddblocal -port 0 -stage '' -- go run ./tools/bench $(BENCH_ARGS)

ID ?=
TEXT ?=
campaign: ## Run a DM campaign on the local stack (make dev running): make campaign ID=launch-2026 TEXT="..."
	$(TWS) campaign $(if $(ID),-id '$(ID)') $(if $(TEXT),-text '$(TEXT)') -until-done

FN ?=
EVENT ?=
invoke: $(NODE_STAMP) ## Run a function locally without Docker (needs make dev): make invoke FN=generate_session EVENT=events/http-generate-session-form.json
	$(SERVERLESS) invoke local -f $(FN) --stage $(or $(STAGE),local) -p $(EVENT) $(SLS_ARGS)

dev: deps ## Run the service locally: DynamoDB Local, X sandbox, functions, landing page (DEV_ARGS=-reset)
	@$(call ensure,java,default-jre-headless)
	go build -o .build/dev ./tools/dev
	exec .build/dev $(DEV_ARGS)

clean: ## Remove build outputs
	rm -rf .build .serverless
