/**
 * `npm run clinic -- login | token | logout | staff` as the real CLI process against a private
 * embedded identity provider (free port, temporary state folder).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { loadIdentityConfig, readStaffPasswords, STAFF, type IdentityConfig } from '@app/identity';
import { startIdentityProvider, type IdentityProvider } from '@app/local-stack';

const ROOT = path.join(__dirname, '..', '..');

describe('npm run clinic -- login/token/logout/staff (embedded)', () => {
  let state: string;
  let identity: IdentityConfig;
  let idp: IdentityProvider;

  beforeAll(async () => {
    state = mkdtempSync(path.join(tmpdir(), 'clinic-login-'));
    // Access tokens of 30 s: always under the client's one-minute margin, so `token` refreshes.
    identity = loadIdentityConfig(
      { CLINIC_ACCESS_TOKEN_SECONDS: '30' },
      { profile: 'embedded', stateDir: state },
    );
    idp = await startIdentityProvider({ port: 0, identity });
  }, 60_000);

  afterAll(async () => {
    await idp?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  function clinic(
    args: string[],
    stdin?: string,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', './tools/register.js', 'tools/clinic/main.ts', ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          CLINIC_PROFILE: 'embedded',
          CLINIC_STATE_DIR: state,
          CLINIC_IDP_PORT: String(idp.port),
          NODE_NO_WARNINGS: '1',
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdin.end(stdin ?? '');
      const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), {
      issuer: idp.issuer,
      audience: 'clinic-api',
    });

  it('staff: every username with roles, pharmacy and the generated password', async () => {
    const { code, stdout } = await clinic(['staff']);
    expect(code).toBe(0);
    const passwords = readStaffPasswords(identity.stateDir)!;
    for (const member of STAFF) {
      const line = stdout.split('\n').find((l) => l.trim().startsWith(`${member.username} `));
      expect(line).toContain(passwords[member.username]);
      expect(line).toContain(member.roles[0]);
      if (member.pharmacyId) expect(line).toContain(member.pharmacyId);
      // The display name stays inside the provider.
      expect(stdout).not.toContain(member.name);
    }
  }, 60_000);

  it('login keeps an owner-only session; --print and token give verifiable access tokens; logout revokes', async () => {
    const login = await clinic(['login', 'pharmacist']);
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/signed in as pharmacist \(roles: pharmacist, pharmacy pharm-001\)/);
    expect(login.stdout).not.toMatch(/eyJ/);
    const file = path.join(state, 'sessions', 'pharmacist.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { refreshToken: string };

    const printed = await clinic(['login', 'physician', '--print']);
    expect(printed.code).toBe(0);
    const token = printed.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    expect((await verify(token)).payload.roles).toEqual(['physician']);

    const fresh = await clinic(['token', 'pharmacist']);
    expect(fresh.code).toBe(0);
    const { payload } = await verify(fresh.stdout.trim());
    expect(payload.pharmacy).toBe('pharm-001');
    // It refreshed: a new access token, and the rotated refresh token was kept (0600 still).
    const kept = JSON.parse(readFileSync(file, 'utf8')) as { refreshToken: string; accessToken: string };
    expect(kept.accessToken).toBe(fresh.stdout.trim());
    expect(kept.refreshToken).not.toBe(stored.refreshToken);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await clinic(['token', 'pharmacist']);
    expect(again.code).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).not.toMatchObject({ refreshToken: kept.refreshToken });

    copyFileSync(file, file + '.before-logout');
    const logout = await clinic(['logout', 'pharmacist']);
    expect(logout.code).toBe(0);
    expect(logout.stdout).toContain('signed out pharmacist');
    expect(existsSync(file)).toBe(false);
    const lastKept = (JSON.parse(readFileSync(file + '.before-logout', 'utf8')) as { refreshToken: string })
      .refreshToken;
    const refused = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'clinic-cli',
        refresh_token: lastKept,
      }).toString(),
    });
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
    const after = await clinic(['token', 'pharmacist']);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('npm run clinic -- login pharmacist');
  }, 120_000);

  it('names the valid usernames for an unknown one, and refuses a wrong password without echoing it', async () => {
    const unknown = await clinic(['login', 'drwho']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('physician, nurse, billing');
    expect(unknown.stderr).not.toContain('drwho');
    const wrong = await clinic(['login', 'nurse', '--password-stdin'], 'Wrong-Password-4471\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('The username or password is not correct.');
    expect(wrong.stdout + wrong.stderr).not.toContain('Wrong-Password-4471');
    expect(existsSync(path.join(state, 'sessions', 'nurse.json'))).toBe(false);
  }, 60_000);
});
