import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually } from '@app/crypto-messaging/testing';
import { Client } from 'pg';
import {
  embeddedPostgresUrl,
  isOrphanedServerOf,
  postgresSocketDirOf,
  postgresSocketWanted,
} from './postgres';

/** A process with the given argv[0] and arguments, alive until killed. */
function processWith(argv0: string, args: string[]): ChildProcess {
  return spawn(
    'bash',
    [
      '-c',
      `exec -a ${argv0} "${process.execPath}" -e 'setTimeout(() => {}, 60000)' -- "$@"`,
      'bash',
      ...args,
    ],
    { stdio: 'ignore' },
  );
}

/** Resolves once bash has exec'd into the named process. */
async function started(child: ChildProcess): Promise<ChildProcess> {
  const argv0 = () => {
    try {
      return readFileSync(`/proc/${child.pid}/cmdline`, 'utf8').split('\0')[0];
    } catch {
      return '';
    }
  };
  await eventually('the process to start', argv0, (name) => name !== '' && name !== 'bash', 5_000);
  return child;
}

describe('isOrphanedServerOf: which process the leftover-server clean-up may stop', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'orphan-')), 'postgres');
    mkdirSync(dir);
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('never a stranger that merely names the data folder (a tar or du of the state folder)', async () => {
    const stranger = await started(processWith('tar', ['-czf', '/dev/null', dir]));
    children.push(stranger);
    expect(isOrphanedServerOf(stranger.pid!, dir)).toBe(false);
    // Even one whose arguments end with "postgres" (the folder's own name).
    const du = await started(processWith('du', [dir]));
    children.push(du);
    expect(isOrphanedServerOf(du.pid!, dir)).toBe(false);
  });

  it('not a postgres server of another folder', async () => {
    const other = await started(processWith('postgres', ['-D', path.join(tmpdir(), 'elsewhere')]));
    children.push(other);
    expect(isOrphanedServerOf(other.pid!, dir)).toBe(false);
  });

  it('a postgres server of this folder, run by its owner, with no launcher above it', async () => {
    const orphan = await started(processWith('postgres', ['-D', dir, '-p', '5999']));
    children.push(orphan);
    expect(isOrphanedServerOf(orphan.pid!, dir)).toBe(true);
    expect(isOrphanedServerOf(999_999_999, dir)).toBe(false);
  });
});

describe('the embedded server socket and URLs', () => {
  /** A data folder whose socket path for port 5433 is exactly `bytes` long. */
  const dataDirOf = (bytes: number) => {
    const tail = `/.s.PGSQL.5433`;
    return `/${'d'.repeat(bytes - tail.length - 1)}`;
  };

  it('puts the socket in the data folder while its path fits in a socket address (103 bytes)', () => {
    expect(postgresSocketDirOf(dataDirOf(103), 5433)).toBe(dataDirOf(103));
    expect(postgresSocketDirOf(dataDirOf(104), 5433)).toBeUndefined();
    expect(postgresSocketDirOf('/srv/"clinic"/postgres', 5433)).toBeUndefined();
    expect(postgresSocketDirOf('state/postgres', 5433)).toBe(path.resolve('state/postgres'));
  });

  /** What pg makes of a URL (no connection is opened). */
  const parse = (url: string) => {
    const { host, port, user, password, database } = (
      new Client({ connectionString: url }) as unknown as {
        connectionParameters: {
          host: string;
          port: number;
          user: string;
          password: string;
          database: string;
        };
      }
    ).connectionParameters;
    return { host, port, user, password, database };
  };

  it('gives URLs over the socket when a socket is there, as pg reads them; else over loopback TCP', async () => {
    const login = { user: 'emr_app', password: 'p@ss/word?#' };
    const dataDir = mkdtempSync(path.join(tmpdir(), 'clinic state ü-'));
    const tcpUrl = `postgres://emr_app:${encodeURIComponent(login.password)}@127.0.0.1:5433/emr`;
    try {
      // No socket yet (no server, or one without it here): TCP, never a socket nobody listens on.
      expect(embeddedPostgresUrl(login, 'emr', { port: 5433, dataDir })).toBe(tcpUrl);
      const listener = net.createServer();
      await new Promise<void>((resolve) => listener.listen(path.join(dataDir, '.s.PGSQL.5433'), resolve));
      try {
        const url = embeddedPostgresUrl(login, 'emr', { port: 5433, dataDir });
        expect(parse(url)).toEqual({
          host: dataDir,
          port: 5433,
          user: 'emr_app',
          password: 'p@ss/word?#',
          database: 'emr',
        });
        // Another port's server has no socket here.
        expect(embeddedPostgresUrl(login, 'emr', { port: 5434, dataDir })).toBe(
          tcpUrl.replace('5433', '5434'),
        );
      } finally {
        await new Promise((resolve) => listener.close(resolve));
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const tcp = embeddedPostgresUrl(login, 'emr', { port: 5433, dataDir: dataDirOf(200) });
    expect(tcp).toBe(tcpUrl);
    expect(parse(tcp)).toMatchObject({ host: '127.0.0.1', password: login.password, database: 'emr' });
  });

  it('CLINIC_POSTGRES_SOCKET turns the socket off; anything but on or off is refused, naming it', () => {
    expect(postgresSocketWanted({})).toBe(true);
    expect(postgresSocketWanted({ CLINIC_POSTGRES_SOCKET: 'on' })).toBe(true);
    expect(postgresSocketWanted({ CLINIC_POSTGRES_SOCKET: ' OFF ' })).toBe(false);
    expect(() => postgresSocketWanted({ CLINIC_POSTGRES_SOCKET: 'no' })).toThrow(
      /CLINIC_POSTGRES_SOCKET must be "on" or "off" \(got "no"\)/,
    );
  });
});
