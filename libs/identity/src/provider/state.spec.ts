import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { STAFF } from '../staff';
import {
  generatePassword,
  JWKS_FILE,
  loadOrCreateIdentityState,
  readStaffPasswords,
  STAFF_FILE,
} from './state';

describe('identity provider state', () => {
  let dir: string;
  beforeEach(() => (dir = path.join(mkdtempSync(path.join(tmpdir(), 'idp-state-')), 'identity')));
  afterEach(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('generates readable passwords of at least 16 characters, all different', () => {
    const passwords = Array.from({ length: 50 }, generatePassword);
    for (const p of passwords) expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
    expect(new Set(passwords).size).toBe(50);
  });

  it('creates passwords and keys once (0700 folder, 0600 files) and reuses them', () => {
    const first = loadOrCreateIdentityState(dir);
    expect(first.created).toHaveLength(3);
    expect(Object.keys(first.passwords).sort()).toEqual(STAFF.map((s) => s.username).sort());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, STAFF_FILE)).mode & 0o777).toBe(0o600);
    expect(first.jwks.keys.every((k) => typeof k.d === 'string' && typeof k.kid === 'string')).toBe(true);
    const second = loadOrCreateIdentityState(dir);
    expect(second.created).toHaveLength(0);
    expect(second.passwords).toEqual(first.passwords);
    expect(second.jwks).toEqual(first.jwks);
    expect(readStaffPasswords(dir)).toEqual(first.passwords);
  });

  it('gives a password to a member of staff missing from an older file, keeping the others', () => {
    const first = loadOrCreateIdentityState(dir);
    const { nurse: _dropped, ...rest } = first.passwords;
    writeFileSync(path.join(dir, STAFF_FILE), JSON.stringify({ passwords: rest }));
    chmodSync(path.join(dir, STAFF_FILE), 0o644);
    const again = loadOrCreateIdentityState(dir);
    expect(again.passwords.physician).toBe(first.passwords.physician);
    expect(again.passwords.nurse).toMatch(/^.{16,}$/);
    expect(statSync(path.join(dir, STAFF_FILE)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path.join(dir, JWKS_FILE), 'utf8'))).toEqual(first.jwks);
  });
});
