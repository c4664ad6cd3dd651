'use strict';

// invoke-local: `serverless invoke local` for the Go functions (runtime provided.*) without Docker.
//
// The framework runs provided.* functions locally only inside a Docker image. This plugin takes over that one
// case: it builds the function's `bootstrap` for this machine, runs it under the AWS Lambda Runtime Interface
// Emulator (the same runtime API Lambda serves, installed through the Go toolchain into .build/tools/), sends the
// event, and prints the function's logs (stderr) and its response (stdout, pretty JSON) as the framework does.
// Other runtimes, and --docker, are left to the framework.
//
//   npx serverless invoke local -f generate_session --stage local -p events/http-generate-session-form.json
//   npx serverless invoke local -f twitter_callback --stage local -d '{"rawQueryString":"denied=x", ...}'
//   ... --env NAME=value        overrides one variable of the function's environment (repeatable)
//
// The function gets provider.environment + its own environment as serverless.yml resolves them for --stage.
// Values the framework cannot know before a deploy (CloudFormation intrinsics such as the callback URL derived from
// the HTTP API) become a placeholder with a warning: pass --env NAME=value to give them.
// Stage `local` talks to `make dev`'s stack: DynamoDB Local at AWS_ENDPOINT_URL_DYNAMODB (default
// http://127.0.0.1:8000) with dummy credentials, and the X sandbox named by TWITTER_API_BASE_URL.
//
// Exit status: 0 when the function returned a response (whatever its HTTP status); 1 when the event is not JSON,
// the function returned an error ({"errorMessage","errorType"}), timed out, or stopped at start.
//
// How it takes over: the framework's AwsInvokeLocal plugin calls this.loadEnvVars() and this.invokeLocal() from
// its hooks; for provided.* functions (without --docker) those two methods of that instance are replaced.

const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');

const RIE_PACKAGE = 'github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie';
// The module has no tagged release: the Go proxy serves pseudo-versions only (`go list -m -versions` is empty).
const RIE_VERSION = 'v0.0.0-20261030222936-bef5c4ba774d';
const LOCAL_STAGE = 'local';
const LOCAL_DYNAMODB = 'http://127.0.0.1:8000';
// Time for the emulator to listen, and beyond the function's timeout for its answer.
const START_TIMEOUT_MS = 10000;
const ANSWER_GRACE_MS = 5000;

class InvokeLocalGo {
  constructor(serverless, options, { log, writeText } = {}) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = log || console;
    this.writeText = writeText || ((text) => process.stdout.write(`${text}\n`));
    this.hooks = {
      initialize: () => this.takeOverInvokeLocal(),
    };
  }

  takeOverInvokeLocal() {
    const commands = this.serverless.processedInput?.commands || [];
    if (commands.join(' ') !== 'invoke local') return;
    const core = this.serverless.pluginManager.plugins.find(
      (p) => p !== this && typeof p.invokeLocal === 'function' && typeof p.loadEnvVars === 'function'
    );
    if (!core) {
      throw new this.serverless.classes.Error(
        'invoke-local: the framework\'s "invoke local" plugin was not found (osls changed?)',
        'INVOKE_LOCAL_GO_NO_CORE'
      );
    }
    const loadEnvVars = core.loadEnvVars.bind(core);
    const invokeLocal = core.invokeLocal.bind(core);
    // Our environment goes to the child only; the framework's version would also reject the intrinsics.
    core.loadEnvVars = async () => (this.isGoFunction() ? undefined : loadEnvVars());
    core.invokeLocal = async () => (this.isGoFunction() ? this.invoke(core) : invokeLocal());
  }

  isGoFunction() {
    if (this.options.docker) return false;
    const fn = this.options.functionObj || {};
    const runtime = fn.runtime || this.serverless.service.provider.runtime || '';
    return runtime.startsWith('provided');
  }

  fail(message, code = 'INVOKE_LOCAL_GO_FAILED') {
    return new this.serverless.classes.Error(`invoke-local: ${message}`, code);
  }

  async invoke(core) {
    const name = this.options.function;
    const fn = this.options.functionObj;
    const event = this.eventPayload();
    const env = await this.functionEnvironment(core, name, fn);
    const bootstrap = this.buildBootstrap(name);
    const rie = this.ensureEmulator();
    const timeoutS = Number(fn.timeout) || Number(this.serverless.service.provider.timeout) || 6;
    env.AWS_LAMBDA_FUNCTION_TIMEOUT = String(timeoutS);

    if (this.stage() === LOCAL_STAGE) await this.warnAboutMissingServices(env);
    this.log.notice(`invoke-local: invoking ${name} (stage ${this.stage()}) under the Runtime Interface Emulator`);
    let answer;
    try {
      answer = await runUnderEmulator({
        rie,
        bootstrap,
        env,
        event,
        timeoutMs: timeoutS * 1000 + ANSWER_GRACE_MS,
        logs: process.stderr,
      });
    } catch (e) {
      throw this.fail(`running ${name}: ${e.message}`, 'INVOKE_LOCAL_GO_EMULATOR');
    }
    this.report(name, answer, timeoutS);
  }

  // eventPayload is the JSON sent as the event. The framework has read -p (a .json/.yml file: parse errors are
  // its own clear error) or -d into options.data, parsed when it could; a string left over is not JSON.
  eventPayload() {
    const data = this.options.data;
    if (data === undefined || data === null || data === '') return '{}';
    if (typeof data === 'string' && !this.options.raw) {
      let why = '';
      try {
        JSON.parse(data);
      } catch (e) {
        why = e.message;
      }
      const from = this.options.path ? `the event file ${this.options.path}` : 'the event given with --data';
      throw this.fail(
        `${from} is not valid JSON (${why}). Fix it, or add --raw to send it as one JSON string.`,
        'INVOKE_LOCAL_GO_BAD_EVENT'
      );
    }
    return JSON.stringify(data);
  }

  stage() {
    return this.serverless.getProvider('aws').getStage();
  }

  // functionEnvironment is what the bootstrap sees: this process's environment (PATH, HOME, a developer's
  // AWS_ENDPOINT_URL_DYNAMODB ...), then Lambda's own variables, credentials, the function's configured
  // variables for the stage, then --env.
  async functionEnvironment(core, name, fn) {
    const provider = this.serverless.getProvider('aws');
    const region = provider.getRegion();
    const stage = this.stage();
    const env = { ...process.env };
    for (const k of ['GOOS', 'GOARCH', 'GOFLAGS']) delete env[k];

    Object.assign(env, {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_LAMBDA_FUNCTION_NAME: fn.name || name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(
        Number(fn.memorySize) || Number(this.serverless.service.provider.memorySize) || 1024
      ),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name || name}`,
      AWS_LAMBDA_LOG_STREAM_NAME: '$LATEST',
    });

    if (stage === LOCAL_STAGE) {
      // Never a developer's real credentials against DynamoDB Local (or, by mistake, against AWS).
      for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE']) delete env[k];
      Object.assign(env, { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' });
      env.AWS_ENDPOINT_URL_DYNAMODB = env.AWS_ENDPOINT_URL_DYNAMODB || LOCAL_DYNAMODB;
    } else {
      try {
        Object.assign(env, await core.getCredentialEnvVars());
      } catch (e) {
        this.log.warning(`invoke-local: no AWS credentials resolved (${e.message}); the SDK will look itself`);
      }
    }

    const overrides = parseEnvOptions(this.options.env);
    const configured = {
      ...(this.serverless.service.provider.environment || {}),
      ...(fn.environment || {}),
    };
    for (const [k, v] of Object.entries(configured)) {
      if (v === null || v === undefined) continue;
      if (typeof v !== 'object') {
        env[k] = String(v);
      } else if (!(k in overrides)) {
        // A CloudFormation intrinsic, known only once deployed (e.g. the callback URL derived from the API).
        const intrinsic = Object.keys(v)[0];
        env[k] = `UNRESOLVED(${intrinsic}: pass --env ${k}=...)`;
        this.log.warning(
          `invoke-local: ${k} is ${intrinsic} in serverless.yml (known only once deployed); pass --env ${k}=...`
        );
      }
    }
    Object.assign(env, overrides);
    return env;
  }

  // warnAboutMissingServices says so when `make dev`'s DynamoDB Local or X sandbox is not listening: the
  // function would still answer, but only with store_unavailable or x_unavailable.
  async warnAboutMissingServices(env) {
    const services = [
      ['AWS_ENDPOINT_URL_DYNAMODB', 'DynamoDB Local'],
      ['TWITTER_API_BASE_URL', 'the X sandbox'],
    ];
    await Promise.all(
      services.map(async ([name, what]) => {
        let u;
        try {
          u = new URL(env[name]);
        } catch {
          return;
        }
        if (!['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return;
        const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
        if (!(await listening(u.hostname.replace(/^\[|\]$/g, ''), port))) {
          this.log.warning(`invoke-local: nothing listens at ${name}=${env[name]} (${what}): is \`make dev\` running?`);
        }
      })
    );
  }

  // buildBootstrap compiles ./functions/<name> for this machine (the deployed one is linux/arm64).
  buildBootstrap(name) {
    const dir = this.serverless.serviceDir;
    const source = `./functions/${name}`;
    if (!fs.existsSync(path.join(dir, source, 'main.go'))) {
      throw this.fail(`no Go source for function ${name}: expected ${source}/main.go`);
    }
    const out = path.join('.build', 'host', name, 'bootstrap');
    this.log.notice(`invoke-local: go build -o ${out} ${source}`);
    const host = goEnv(this, dir, ['GOHOSTOS', 'GOHOSTARCH']);
    runGo(this, dir, ['build', '-tags', 'lambda.norpc', '-trimpath', '-o', out, source], {
      CGO_ENABLED: '0',
      GOOS: host.GOHOSTOS,
      GOARCH: host.GOHOSTARCH,
    });
    return path.join(dir, out);
  }

  // ensureEmulator installs the emulator once per version into .build/tools/.
  ensureEmulator() {
    const dir = this.serverless.serviceDir;
    const bin = path.join(dir, '.build', 'tools', `aws-lambda-rie@${RIE_VERSION}`);
    const exe = path.join(bin, 'aws-lambda-rie');
    if (fs.existsSync(exe)) return exe;
    this.log.notice(`invoke-local: go install ${RIE_PACKAGE}@${RIE_VERSION} (once)`);
    const host = goEnv(this, dir, ['GOHOSTOS', 'GOHOSTARCH']);
    runGo(this, dir, ['install', `${RIE_PACKAGE}@${RIE_VERSION}`], {
      GOBIN: bin,
      CGO_ENABLED: '0',
      GOOS: host.GOHOSTOS,
      GOARCH: host.GOHOSTARCH,
    });
    return exe;
  }

  report(name, answer, timeoutS) {
    const { status, body, exited } = answer;
    if (status === 502 || (exited && status === undefined)) {
      throw this.fail(
        `${name} stopped before it could handle the event (its output is above; a function that exits at ` +
          'start usually names a configuration problem)',
        'INVOKE_LOCAL_GO_INIT_FAILED'
      );
    }
    if (/^Task timed out after/.test(body)) {
      throw this.fail(`${name} timed out after ${timeoutS} s`, 'INVOKE_LOCAL_GO_TIMEOUT');
    }
    if (status !== 200) {
      throw this.fail(`the emulator answered HTTP ${status}: ${body || '(no body)'}`, 'INVOKE_LOCAL_GO_EMULATOR');
    }
    let result;
    try {
      result = body === '' ? null : JSON.parse(body);
    } catch {
      result = body;
    }
    this.writeText(typeof result === 'string' ? result : JSON.stringify(result, null, 4));
    if (isFunctionError(result)) {
      this.log.error(`invoke-local: ${name} failed: ${result.errorType}: ${result.errorMessage}`);
      process.exitCode = 1;
    } else if (result && typeof result.statusCode === 'number') {
      const location = result.headers?.Location || result.headers?.location;
      this.log.notice(`invoke-local: HTTP ${result.statusCode}${location ? ` -> ${location}` : ''}`);
    }
  }
}

// isFunctionError recognises the Lambda runtime's error answer.
function isFunctionError(v) {
  return v !== null && typeof v === 'object' && typeof v.errorMessage === 'string' && 'errorType' in v;
}

function parseEnvOptions(env) {
  const out = {};
  for (const item of [].concat(env || [])) {
    const i = String(item).indexOf('=');
    if (i > 0) out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

function goEnv(plugin, cwd, names) {
  const r = spawnSync('go', ['env', ...names], { cwd, encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw plugin.fail(`"go env" failed (is Go installed?): ${r.error ? r.error.message : r.stderr}`, 'INVOKE_LOCAL_GO_NO_GO');
  }
  const values = r.stdout.trim().split('\n');
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

function runGo(plugin, cwd, args, extraEnv) {
  const env = { ...process.env, ...extraEnv };
  delete env.GOFLAGS;
  const r = spawnSync('go', args, { cwd, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit status ${r.status}`;
    throw plugin.fail(`"go ${args.join(' ')}" failed (${why})`, 'INVOKE_LOCAL_GO_BUILD_FAILED');
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function listening(host, port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: 500 });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}

function waitForPort(port, child, deadline) {
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new Error('the emulator exited before listening (its output is above)'));
        return;
      }
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        if (Date.now() > deadline) reject(new Error(`the emulator did not listen on 127.0.0.1:${port}`));
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

function post(port, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/2015-03-31/functions/function/invocations',
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      }
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// runUnderEmulator starts the emulator with the bootstrap, sends one event, stops the emulator (which stops the
// bootstrap), and returns the answer once every line of output has been written to logs.
async function runUnderEmulator({ rie, bootstrap, env, event, timeoutMs, logs }) {
  const [apiPort, runtimePort] = await Promise.all([freePort(), freePort()]);
  const child = spawn(
    rie,
    [
      // The emulator would read LOG_LEVEL, which is the function's own setting.
      '--log-level',
      'error',
      '--runtime-interface-emulator-address',
      `127.0.0.1:${apiPort}`,
      '--runtime-api-address',
      `127.0.0.1:${runtimePort}`,
      bootstrap,
    ],
    { cwd: path.dirname(bootstrap), env, stdio: ['ignore', 'pipe', 'pipe'] }
  );
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stop);
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.stdout.pipe(logs, { end: false });
  child.stderr.pipe(logs, { end: false });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  try {
    await waitForPort(apiPort, child, Date.now() + START_TIMEOUT_MS);
    const answer = await post(apiPort, event, timeoutMs).catch((e) => {
      if (exited) return { status: undefined, body: '' };
      throw e;
    });
    return { ...answer, exited };
  } finally {
    stop();
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await closed;
    clearTimeout(killer);
    process.removeListener('exit', stop);
  }
}

module.exports = InvokeLocalGo;
