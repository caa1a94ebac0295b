// Shared by the PATH-boundary fakes: append what a fake received to $DRILL_FAKE_LOG as one JSON line,
// and keep small state (Terraform workspaces) next to it. Plain CommonJS: runs on any Node >= 18.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const RECORDED_ENV = ['TF_WORKSPACE', 'TF_IN_AUTOMATION', 'TF_INPUT', 'KUBECONFIG', 'TALOSCONFIG', 'SOPS_AGE_KEY_FILE', 'RESTIC_REPOSITORY'];

function record(tool) {
  const args = process.argv.slice(2);
  const log = process.env.DRILL_FAKE_LOG;
  if (log) {
    const env = {};
    for (const name of RECORDED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    fs.appendFileSync(log, JSON.stringify({ tool, args, cwd: process.cwd(), env }) + '\n');
  }
  return args;
}

function statePath() {
  return (process.env.DRILL_FAKE_LOG || path.join(require('node:os').tmpdir(), 'drill-fake')) + '.state.json';
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(statePath(), 'utf8'));
  } catch {
    return { workspaces: ['default'], selected: 'default', applied: [] };
  }
}

function writeState(state) {
  fs.writeFileSync(statePath(), JSON.stringify(state));
}

/** A fake fails the way the real tool does when $DRILL_FAKE_FAIL names "<tool> <subcommand>". */
function shouldFail(tool, subcommand) {
  return (process.env.DRILL_FAKE_FAIL || '').split(',').includes(`${tool} ${subcommand}`);
}

module.exports = { record, readState, writeState, shouldFail };
