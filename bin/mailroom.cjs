#!/usr/bin/env node
// Runs the TypeScript CLI through tsx (a dependency), so `npx mailroom` needs no build step.
require('tsx/cjs');
require('../lib/cli/main.ts').cliMain();
