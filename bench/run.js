#!/usr/bin/env node
// `npm run bench`: runs every suite in bench/suites (or those named on the command line),
// one after another; each writes its JSON under bench/results/.
const { readdirSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const dir = join(__dirname, 'suites');
const wanted = process.argv.slice(2);
const suites = readdirSync(dir)
  .filter((f) => f.endsWith('.js'))
  .filter((f) => !wanted.length || wanted.some((w) => f.includes(w)))
  .sort();
let failed = 0;
for (const s of suites) {
  console.log(`\n=== bench ${s}`);
  const r = spawnSync(process.execPath, [join(dir, s)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`bench ${s} failed (${r.status ?? r.signal})`);
  }
}
process.exit(failed ? 1 : 0);
