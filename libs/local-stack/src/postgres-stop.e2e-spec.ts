/**
 * A PostgreSQL server that does not stop when asked (here: frozen with SIGSTOP, as a server stuck
 * on a dead disk would be) is killed by its launcher within the launcher's grace (8 s): it never
 * outlives the launcher. Killed, it loses nothing committed, and the
 * next start on the same folder recovers.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '@app/crypto-messaging/testing';
import { postmasterPidOf, startPostgres, type EmbeddedPostgres } from './postgres';
import { isRunning } from './testing';

/** The launcher's grace (8 s) and the time to notice its end, inside the parent's 30 s. */
const STOP_BOUND_MS = 20_000;

async function inDb<T>(url: string, run: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('embedded PostgreSQL: a server that does not stop', () => {
  let dir: string;
  let pg: EmbeddedPostgres | undefined;
  /** The frozen server, killed after the test whatever its outcome: never left behind. */
  let frozen: number | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pg-stop-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
  });
  afterEach(async () => {
    if (frozen !== undefined && isRunning(frozen)) process.kill(frozen, 'SIGKILL');
    frozen = undefined;
    await pg?.stop();
    pg = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is killed by its launcher within its grace; nothing committed is lost; the next start recovers', async () => {
    const dataDir = path.join(dir, 'postgres');
    const port = await freePort();
    pg = await startPostgres({ dataDir, port, databases: ['emr'] });
    await inDb(pg.url('emr'), async (c) => {
      await c.query('CREATE TABLE committed (n int)');
      await c.query('INSERT INTO committed VALUES (42)');
    });
    const postmaster = postmasterPidOf(dataDir)!;
    process.kill(postmaster, 'SIGSTOP');
    frozen = postmaster;

    const started = Date.now();
    await pg.stop();
    pg = undefined;

    expect(Date.now() - started).toBeLessThan(STOP_BOUND_MS);
    expect(isRunning(postmaster)).toBe(false);

    pg = await startPostgres({ dataDir, port, databases: ['emr'] });
    const rows = await inDb(pg.url('emr'), (c) => c.query<{ n: number }>('SELECT n FROM committed'));
    expect(rows.rows).toEqual([{ n: 42 }]);
  }, 90_000);
});
