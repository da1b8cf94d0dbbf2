/**
 * One database round trip's CPU, over the embedded server's Unix-domain socket and over loopback
 * TCP: the client's (this process) and the server's (its whole process tree), per statement.
 * Each round measures both, in turns (the first of a round alternates), so that a machine that
 * slows down mid-run slows both; the medians are printed. The statement is a prepared
 * `SELECT $1`: its cost is the trip, not the work.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { freePort } from '@app/crypto-messaging/testing';
import { startPostgres } from '@app/local-stack';
import { overTcp } from '@app/local-stack/testing';
import { cpuPerRecord, cpuSnapshot } from './process-cpu';
import { fmt, percentile, progress, table } from './support';

const STATEMENTS = Number(process.env.BENCH_DATABASE_STATEMENTS ?? 10_000);
const ROUNDS = 5;
const WARM_UP = 1_000;

type Transport = 'Unix-domain socket' | 'loopback TCP';

export async function runDatabaseBench(): Promise<boolean> {
  const dir = mkdtempSync(path.join(tmpdir(), 'database-bench-'));
  chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
  const pg = await startPostgres({
    dataDir: path.join(dir, 'pg'),
    port: await freePort(),
    databases: ['bench'],
  });
  try {
    if (!pg.socketDir)
      throw new Error(
        `bench: the server has no socket (CLINIC_POSTGRES_SOCKET=off, or ${dir} is too long a path)`,
      );
    const urls: Record<Transport, string> = {
      'Unix-domain socket': pg.url('bench'),
      'loopback TCP': overTcp(pg.url('bench')),
    };
    const samples: Record<Transport, { client: number[]; server: number[] }> = {
      'Unix-domain socket': { client: [], server: [] },
      'loopback TCP': { client: [], server: [] },
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // Each round starts with the other transport, so neither always runs first.
      const order = Object.keys(urls) as Transport[];
      for (const transport of round % 2 === 1 ? order : [...order].reverse()) {
        const client = new Client({ connectionString: urls[transport] });
        await client.connect();
        try {
          const statement = (i: number) =>
            client.query({ name: 'trip', text: 'SELECT $1::int AS n', values: [i] });
          for (let i = 0; i < WARM_UP; i++) await statement(i);
          const serverBefore = cpuSnapshot({ server: pg.pid });
          const clientBefore = process.cpuUsage();
          for (let i = 0; i < STATEMENTS; i++) await statement(i);
          const clientCpu = process.cpuUsage(clientBefore);
          const server = cpuPerRecord(serverBefore, cpuSnapshot({ server: pg.pid }), STATEMENTS);
          samples[transport].client.push((clientCpu.user + clientCpu.system) / STATEMENTS);
          samples[transport].server.push(server.total.msPerRecord * 1000);
        } finally {
          await client.end();
        }
      }
      progress(`round ${round} of ${ROUNDS}: ${STATEMENTS} statements each way`);
    }
    const median = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        50,
      );
    const rows = (Object.keys(samples) as Transport[]).map((transport) => {
      const { client, server } = samples[transport];
      return [
        transport,
        fmt(median(client), 1),
        fmt(median(server), 1),
        fmt(median(client) + median(server), 1),
      ];
    });
    console.log(table(['transport', 'client µs', 'server µs', 'µs per round trip'], rows));
    console.log(`\nMedians of ${ROUNDS} interleaved rounds of ${STATEMENTS} prepared statements, CPU time.`);
    return true;
  } finally {
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
