/**
 * TCP keepalive on the apps' database connections (a server that vanished without a word is
 * noticed), read from the kernel's own table of TCP sockets: the pool's connections and a client
 * made from the pool's settings, as the EMR's LISTEN connection is.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres, type EmbeddedPostgres } from '@app/local-stack';
import { overTcp } from '@app/local-stack/testing';
import { DB_KEEPALIVE_IDLE_MS, dataSourceOptions } from './data-source.factory';
import { pgPoolOf } from './pg-client';

/**
 * The kernel's timer of the loopback TCP connection from `localPort` to `remotePort`
 * (/proc/net/tcp, field `tr:tm->when`): `kind` '02' is the keepalive timer, '00' none; `dueIn`
 * its time left, in hundredths of a second.
 */
function tcpTimerOf(localPort: number, remotePort: number): { kind: string; dueIn: number } {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find(
      (fields) => fields[1] === `0100007F:${hex(localPort)}` && fields[2] === `0100007F:${hex(remotePort)}`,
    );
  if (!row) throw new Error(`no TCP connection from port ${localPort} to ${remotePort}`);
  const [kind, dueIn] = row[5].split(':');
  return { kind, dueIn: Number.parseInt(dueIn, 16) };
}

/** The local port of a connected pg client's socket. */
const localPortOf = (client: Client) =>
  (client as unknown as { connection: { stream: { localPort: number } } }).connection.stream.localPort;

describe('database connections over TCP are kept alive', () => {
  let dir: string;
  let pg: EmbeddedPostgres;
  let dataSource: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'keep-alive-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
    pg = await startPostgres({ dataDir: path.join(dir, 'data'), port: await freePort(), databases: ['app'] });
    // Over TCP, as against a remote server (the embedded one's socket has nothing to probe).
    dataSource = await new DataSource(
      dataSourceOptions(overTcp(pg.url('app')), { entities: [], migrations: [] }),
    ).initialize();
  }, 120_000);
  afterAll(async () => {
    await dataSource?.destroy();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the pool's connections and a client made from its settings (the LISTEN connection) probe an idle peer", async () => {
    const pool = pgPoolOf(dataSource);
    const pooled = await pool.connect();
    const listening = new Client(pool.options);
    // The control: the same connection without the setting has no keepalive timer.
    const plain = new Client({ ...pool.options, keepAlive: false });
    try {
      await listening.connect();
      await plain.connect();
      for (const client of [pooled, listening, plain]) await client.query('SELECT 1');
      await new Promise((resolve) => setTimeout(resolve, 100)); // idle: no ack or retransmit timer
      const timers = Object.fromEntries(
        Object.entries({ pooled, listening, plain }).map(([name, client]) => [
          name,
          tcpTimerOf(localPortOf(client), pg.port),
        ]),
      );
      expect(Object.fromEntries(Object.entries(timers).map(([name, t]) => [name, t.kind]))).toEqual({
        pooled: '02',
        listening: '02',
        plain: '00',
      });
      // The timer was set to DB_KEEPALIVE_IDLE_MS (in hundredths of a second) when the connection
      // turned keepalive on, and has been running since: due within 10 s, not after the kernel's
      // default two hours.
      for (const name of ['pooled', 'listening']) {
        expect(timers[name].dueIn).toBeGreaterThan(0);
        expect(timers[name].dueIn).toBeLessThanOrEqual(DB_KEEPALIVE_IDLE_MS / 10);
      }
    } finally {
      pooled.release();
      await listening.end();
      await plain.end();
    }
  });
});
