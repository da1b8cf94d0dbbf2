import type { Request } from 'express';
import type { DataSource } from 'typeorm';
import { clinicContextOf } from '../auth/request-context';
import { loadAppConfig, type AppConfig } from '../config/app.config';
import { AuditTrail } from './audit-trail';

const PATIENT = '6f1c2d3e-0000-4000-8000-0000000000bb';

function request(extra: Partial<Request> = {}): Request {
  return {
    method: 'GET',
    params: { id: PATIENT },
    query: {},
    headers: { 'x-forwarded-for': '10.9.8.7, 10.0.0.1' },
    socket: { remoteAddress: '127.0.0.1' },
    route: { path: '/patients/:id' },
    requestId: 'req-00000001',
    ...extra,
  } as unknown as Request;
}

const trail = (trustProxy: boolean) =>
  new AuditTrail({} as DataSource, { app: 'emr', trustProxy } as AppConfig);

describe('AuditTrail.entryOf', () => {
  const spec = { resource: 'patient', action: 'read', id: 'param.id', patient: 'param.id' } as const;

  it('takes the socket peer, not X-Forwarded-For, unless the proxy is trusted', () => {
    expect(trail(false).entryOf(request(), spec, 200, undefined).clientAddress).toBe('127.0.0.1');
    // The trusted proxy appended the last hop; earlier ones are whatever the client sent.
    expect(trail(true).entryOf(request(), spec, 200, undefined).clientAddress).toBe('10.0.0.1');
    // A forwarded value that is not an address is not taken (nor stored).
    const forged = request({ headers: { 'x-forwarded-for': 'Jane Doe' } });
    expect(trail(true).entryOf(forged, spec, 200, undefined).clientAddress).toBe('127.0.0.1');
  });

  it('keeps only id-shaped values and code-shaped refusals', () => {
    const req = request({ params: { id: 'Jane Doe' } });
    Object.assign(clinicContextOf(req), {
      principal: { subject: 'Jane Doe <jane@example.org>', roles: ['nurse', 'physician'] },
      refusal: 'expired because of Jane',
    });
    expect(trail(false).entryOf(req, spec, 403, undefined)).toMatchObject({
      subject: null,
      roles: ['nurse', 'physician'],
      resourceId: null,
      patientId: null,
      refusal: 'other',
    });
  });

  it('reads result locators, but not from a list', () => {
    const create = { resource: 'patient', action: 'create', id: 'result.id', patient: 'result.id' } as const;
    const req = request({ params: {} });
    expect(trail(false).entryOf(req, create, 201, { id: PATIENT })).toMatchObject({ resourceId: PATIENT });
    expect(trail(false).entryOf(req, create, 200, [{ id: PATIENT }])).toMatchObject({ resourceId: null });
  });
});

describe('AuditTrail.entriesOf', () => {
  const OTHER = '6f1c2d3e-0000-4000-8000-0000000000cc';
  const list = { resource: 'invoice', action: 'list', patients: 'result[].patientId' } as const;
  const req = () => request({ params: {}, route: { path: '/invoices' } } as Partial<Request>);

  it('writes one entry per distinct patient of a list across patients, with the request id', () => {
    const answer = [{ patientId: PATIENT }, { patientId: OTHER.toUpperCase() }, { patientId: PATIENT }];
    const entries = trail(false).entriesOf(req(), list, 200, answer);
    expect(entries.map((e) => e.patientId)).toEqual([PATIENT, OTHER]);
    expect(entries.every((e) => e.requestId === 'req-00000001' && e.action === 'list')).toBe(true);
  });

  it('writes one entry without a patient for an empty list, and skips values that are not ids', () => {
    expect(
      trail(false)
        .entriesOf(req(), list, 200, [])
        .map((e) => e.patientId),
    ).toEqual([null]);
    const named = [{ patientId: 'Jane Doe' }, { patientId: PATIENT }];
    expect(
      trail(false)
        .entriesOf(req(), list, 200, named)
        .map((e) => e.patientId),
    ).toEqual([PATIENT]);
  });

  it('writes one entry for a route that is not a list across patients', () => {
    const spec = { resource: 'patient', action: 'read', id: 'param.id', patient: 'param.id' } as const;
    expect(trail(false).entriesOf(request(), spec, 200, { id: PATIENT })).toHaveLength(1);
  });
});

describe('CLINIC_TRUST_PROXY', () => {
  it('is off unless set, and a bad value names the setting', () => {
    const env = { DATABASE_URL: 'postgres://emr_app:secret@127.0.0.1:5432/emr' };
    expect(loadAppConfig('emr', env).trustProxy).toBe(false);
    expect(loadAppConfig('emr', { ...env, CLINIC_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(() => loadAppConfig('emr', { ...env, CLINIC_TRUST_PROXY: 'yes' })).toThrow(/CLINIC_TRUST_PROXY/);
  });
});
