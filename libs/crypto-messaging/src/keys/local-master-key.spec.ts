import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_MASTER_KEY_FILE, loadOrCreateLocalMasterKey } from './local-master-key';

const run = promisify(execFile);
const REGISTER = path.resolve(__dirname, '../../../../tools/register.js');
const MODULE = path.resolve(__dirname, 'local-master-key.ts');

describe('the local master key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'master-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is generated once (32 bytes, owner-only) and read back after', () => {
    const first = loadOrCreateLocalMasterKey(dir);
    const again = loadOrCreateLocalMasterKey(dir);
    expect(first.created).toBe(true);
    expect(first.key).toHaveLength(32);
    expect(again).toEqual({ key: first.key, path: first.path, created: false });
    expect(statSync(first.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual([LOCAL_MASTER_KEY_FILE]);
  });

  it('gives processes starting together one whole key: one creates it, the others read it', async () => {
    // Every process waits for the same instant, then loads the key (as the apps of `npm start`).
    const at = Date.now() + 1_500;
    const script = `
      const { loadOrCreateLocalMasterKey } = require(${JSON.stringify(MODULE)});
      while (Date.now() < ${at});
      const k = loadOrCreateLocalMasterKey(${JSON.stringify(dir)});
      process.stdout.write(JSON.stringify({ key: k.key.toString('hex'), created: k.created }));`;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => run(process.execPath, ['-r', REGISTER, '-e', script])),
    );
    const loaded = results.map((r) => JSON.parse(r.stdout) as { key: string; created: boolean });
    expect(loaded.filter((l) => l.created)).toHaveLength(1);
    expect(new Set(loaded.map((l) => l.key)).size).toBe(1);
    expect(loaded[0].key).toMatch(/^[0-9a-f]{64}$/);
    expect(readdirSync(dir)).toEqual([LOCAL_MASTER_KEY_FILE]); // no draft left behind
  }, 60_000);
});
