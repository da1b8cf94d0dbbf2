/**
 * The test env's private identity provider: apps' settings trust it, and `signIn` gives a
 * verifiable access token for any member of staff (what the guard and audit tests build on).
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { staffFor } from '@app/identity';
import { loadAppConfig } from '../config/app.config';
import { startClinicTestEnv, type ClinicTestEnv } from './clinic-test-env';

describe('startClinicTestEnv: identity provider', () => {
  let env: ClinicTestEnv;

  beforeAll(async () => {
    env = (await startClinicTestEnv('embedded', { identityEnv: { CLINIC_SESSION_IDLE_SECONDS: '120' } }))!;
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('points the apps at its private provider and signs staff in with tokens they accept', async () => {
    const config = loadAppConfig('prescription', {
      ...env.env,
      DATABASE_URL: env.postgres.url('prescription'),
    });
    expect(config.identity.issuer).toBe(env.identityProvider.issuer);
    expect(env.env.CLINIC_IDP_PORT).toBe(String(env.identityProvider.port));
    expect(config.identity.sessionIdleSeconds).toBe(120);

    const pharmacist = staffFor('pharmacist');
    const session = await env.signIn(pharmacist.username);
    const { payload } = await jwtVerify(
      session.accessToken,
      createRemoteJWKSet(new URL(`${config.identity.issuer}/jwks`)),
      {
        issuer: config.identity.issuer,
        audience: config.identity.audience,
        algorithms: [...config.identity.algorithms],
      },
    );
    expect(payload.sub).toBe(pharmacist.subject);
    expect(payload.roles).toEqual(['pharmacist']);
    expect(payload.pharmacy).toBe(pharmacist.pharmacyId);
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(config.identity.accessTokenSeconds);
    await expect(env.signIn('nobody')).rejects.toThrow(/one of physician/);
  });
});
