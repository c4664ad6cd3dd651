'use strict';

// go-build: builds the Go functions (`make build`) before the framework packages or deploys them, so that
// `serverless package|deploy` never ships stale .build/<function>.zip artifacts.
//
// `serverless deploy function -f NAME` builds only that function's zip.
// SKIP_GO_BUILD=1 skips the build (CI steps that built the zips already, or hand-made test zips).

const { spawnSync } = require('child_process');

class GoBuild {
  constructor(serverless, options, { log } = {}) {
    this.serverless = serverless;
    this.options = options || {};
    this.log = log || console;
    this.hooks = {
      'before:package:createDeploymentArtifacts': () => this.build(),
      'before:deploy:function:packageFunction': () => this.build(this.options.function),
    };
  }

  build(functionName) {
    if (process.env.SKIP_GO_BUILD === '1') {
      this.log.notice('go-build: SKIP_GO_BUILD=1, using the zips already in .build/');
      return;
    }
    const target = functionName ? `.build/${functionName}.zip` : 'build';
    this.log.notice(`go-build: make ${target}`);
    const result = spawnSync('make', ['--no-print-directory', target], {
      cwd: this.serverless.serviceDir,
      stdio: 'inherit',
    });
    if (result.error || result.status !== 0) {
      const why = result.error ? result.error.message : `exit status ${result.status}`;
      throw new this.serverless.classes.Error(`go-build: "make ${target}" failed (${why})`, 'GO_BUILD_FAILED');
    }
  }
}

module.exports = GoBuild;
