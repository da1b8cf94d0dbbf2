/**
 * The embedded server's Unix-domain socket: in its data folder, which only the server's OS user
 * (and root) may enter, and what every URL it gives uses; no socket in /tmp for anyone to reach;
 * loopback TCP unchanged beside it, and alone when the socket's path would be too long.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@app/crypto-messaging/testing';
import { socketFileIn, startPostgres, type EmbeddedPostgres } from './postgres';
import { clientAddressOf, loginRefusal, overTcp, startPostgresTcpOnly } from './testing';

describe('embedded PostgreSQL: a private Unix-domain socket', () => {
  let dir: string;
  let pg: EmbeddedPostgres | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pg-socket-'));
    chmodSync(dir, 0o711); // as root, PostgreSQL runs as the postgres user, which must enter it
  });
  afterEach(async () => {
    await pg?.stop();
    pg = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens in its data folder, which only its own user may enter; its URLs use it', async () => {
    const dataDir = path.join(dir, 'postgres');
    pg = await startPostgres({ dataDir, port: await freePort(), databases: ['emr'] });

    expect(pg.socketDir).toBe(dataDir);
    const socket = statSync(socketFileIn(dataDir, pg.port));
    expect(socket.isSocket()).toBe(true);
    expect(socket.mode & 0o777).toBe(0o700);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    // Not in /tmp (PostgreSQL's default), where every local user could reach it.
    expect(existsSync(socketFileIn('/tmp', pg.port))).toBe(false);

    expect(new URL(pg.url('emr')).searchParams.get('host')).toBe(dataDir);
    expect(await clientAddressOf(pg.url('emr'))).toBeNull();
    // Over the socket, the password is still checked; loopback TCP is unchanged beside it.
    expect(await loginRefusal(dataDir, pg.port, pg.user, 'wrong')).toBe('28P01');
    expect(await clientAddressOf(overTcp(pg.url('emr')))).toBe('127.0.0.1');

    // Only root can become another user: as anyone else, the modes above are what keeps a
    // stranger out (CI runs as root, so the probe runs there).
    if (process.getuid?.() === 0) {
      // A stranger on the machine (nobody) cannot reach the socket at all, though it reaches
      // the TCP port (where the password stands guard): the control proves the probe ran.
      const probe = `
        const net = require('node:net');
        const tryConnect = (options) => new Promise((resolve) => {
          const s = net.connect(options, () => { s.destroy(); resolve('connected'); });
          s.on('error', (e) => resolve(e.code));
        });
        (async () => console.log(JSON.stringify({
          tcp: await tryConnect({ host: '127.0.0.1', port: ${pg.port} }),
          socket: await tryConnect({ path: ${JSON.stringify(socketFileIn(dataDir, pg.port))} }),
        })))();`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-e', probe], {
        uid: 65534,
        gid: 65534,
      });
      expect(JSON.parse(stdout)).toEqual({ tcp: 'connected', socket: 'EACCES' });
    }
  });

  it('has no socket with CLINIC_POSTGRES_SOCKET=off, and removes one a killed server left: TCP only', async () => {
    const dataDir = path.join(dir, 'postgres');
    const port = await freePort();
    pg = await startPostgres({ dataDir, port, databases: ['emr'] });
    await pg.stop();
    pg = undefined;
    // A socket file with nobody behind it, as a server killed with SIGKILL leaves.
    const stale = socketFileIn(dataDir, port);
    const holder = spawn(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => console.log('ok'))`,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.once('exit', resolve));
    expect(statSync(stale).isSocket()).toBe(true);

    pg = await startPostgresTcpOnly({ dataDir, port, databases: ['emr'] });
    expect(pg.socketDir).toBeUndefined();
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(socketFileIn('/tmp', pg.port))).toBe(false);
    expect(new URL(pg.url('emr')).search).toBe('');
    expect(await clientAddressOf(pg.url('emr'))).toBe('127.0.0.1');
  });

  it('has no socket at all when its path would be too long: everyone connects over TCP', async () => {
    const deep = path.join(dir, 'a-folder-name-long-enough-that-a-socket-path-in-it-cannot-fit'.repeat(2));
    mkdirSync(deep, { mode: 0o711 });
    const dataDir = path.join(deep, 'postgres');
    pg = await startPostgres({ dataDir, port: await freePort(), databases: ['emr'] });

    expect(pg.socketDir).toBeUndefined();
    expect(existsSync(socketFileIn(dataDir, pg.port))).toBe(false);
    expect(existsSync(socketFileIn('/tmp', pg.port))).toBe(false);
    expect(new URL(pg.url('emr')).search).toBe('');
    expect(await clientAddressOf(pg.url('emr'))).toBe('127.0.0.1');
  });
});
