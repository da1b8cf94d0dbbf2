// A fresh output folder for the fault run: each scenario appends its app logs, a copy of its
// state folder, its canary patients and its result line there; the last spec scans and tabulates.
const { mkdirSync, rmSync } = require('node:fs');
const path = require('node:path');

module.exports = async () => {
  const out = process.env.FAULTS_OUT_DIR || path.resolve(__dirname, '..', '..', '.ci', 'out', 'faults');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  process.env.FAULTS_OUT_DIR = out;
};
