#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI itself is the bundled out/main/cli.js (built by `npm install`'s prepare step).
const fs = require('node:fs');
const path = require('node:path');

const cli = path.join(__dirname, '..', '..', 'out', 'main', 'cli.js');
if (!fs.existsSync(cli)) {
  console.error('ballast: the app is not built yet — run `npm run build` in the Ballast folder first.');
  process.exit(1);
}
require(cli);
