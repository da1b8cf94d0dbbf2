import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventually, freePort } from '@app/crypto-messaging/testing';
import { loadIdentityConfig, readStaffPasswords } from '@app/identity';
import { signIn, SignInErrorCode } from '@app/identity/client';
import { listeningSockets } from './testing/proc';
import { startIdentityProvider } from './identity-provider';
import { PortInUseError } from './launch';
import { startLocalStack } from './local-stack';
import { loadMessagingConfig } from '@app/clinic';

describe('the embedded identity provider process', () => {
  let state: string;
  beforeEach(() => (state = mkdtempSync(path.join(tmpdir(), 'idp-process-'))));
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  it('listens on 127.0.0.1 only, refuses a taken port naming CLINIC_IDP_PORT, and stops cleanly', async () => {
    const identity = loadIdentityConfig({}, { profile: 'embedded', stateDir: state });
    const idp = await startIdentityProvider({ port: 0, identity });
    try {
      expect(idp.issuer).toBe(`http://127.0.0.1:${idp.port}`);
      expect(await idp.healthy()).toBe(true);
      expect(listeningSockets(idp.port).map((s) => s.address)).toEqual(['0100007F']);
      const second = await startIdentityProvider({ port: idp.port, identity }).catch((e: unknown) => e);
      expect(second).toBeInstanceOf(PortInUseError);
      expect((second as Error).message).toContain(`Port ${idp.port}`);
      expect((second as Error).message).toContain('CLINIC_IDP_PORT');
    } finally {
      await idp.stop();
    }
    expect(await idp.healthy()).toBe(false);
    expect(await idp.exited).toEqual({ code: 0, signal: null });
  });

  it('starts with the local stack when the issuer is the embedded one, and stops with it', async () => {
    const env = {
      CLINIC_STATE_DIR: state,
      CLINIC_BROKER_PORT: String(await freePort()),
      CLINIC_IDP_PORT: String(await freePort()),
    };
    const config = loadMessagingConfig(env);
    const identity = loadIdentityConfig(env, config);
    const stack = await startLocalStack(config, { identity });
    try {
      expect(stack.identityProvider?.issuer).toBe(identity.issuer);
      expect(await stack.health()).toEqual({ broker: true, postgres: 'not-started', identityProvider: true });
    } finally {
      await stack.stop();
    }
    expect(listeningSockets(identity.idpPort)).toEqual([]);
    // Another issuer (Cognito, say): nothing to start.
    const elsewhere = loadIdentityConfig(
      { ...env, CLINIC_OIDC_ISSUER: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_X' },
      config,
    );
    const plain = await startLocalStack(config, { identity: elsewhere });
    try {
      expect(plain.identityProvider).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it('reports sign-ins as structured lines with ids and addresses, never what was typed', async () => {
    const identity = loadIdentityConfig({}, { profile: 'embedded', stateDir: state });
    const lines: string[] = [];
    const idp = await startIdentityProvider({ port: 0, identity, onLog: (line) => lines.push(line) });
    try {
      const typed = { username: 'nurse', password: 'Typed-Wrong-Secret-991' };
      await expect(signIn({ issuer: idp.issuer, clientId: 'clinic-cli', ...typed })).rejects.toMatchObject({
        code: SignInErrorCode.InvalidCredentials,
      });
      const password = readStaffPasswords(identity.stateDir)!.nurse;
      const session = await signIn({
        issuer: idp.issuer,
        clientId: 'clinic-cli',
        username: 'nurse',
        password,
      });
      const events = await eventually(
        'the sign-in events',
        () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
        (e) => e.some((x) => x.event === 'signin.succeeded'),
        10_000,
      );
      expect(events.find((e) => e.event === 'signin.failed')).toMatchObject({
        address: '127.0.0.1',
        client: 'clinic-cli',
      });
      expect(events.find((e) => e.event === 'signin.succeeded')).toMatchObject({ subject: session.subject });
      expect(lines.join('\n')).not.toContain(typed.password);
      expect(lines.join('\n')).not.toContain(password);
      expect(lines.join('\n')).not.toContain('"username"');
    } finally {
      await idp.stop();
    }
  });
});
