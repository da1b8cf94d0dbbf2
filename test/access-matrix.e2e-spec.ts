/**
          const success = ok ?? (ACCEPTED.test(key) ? 202 : route.method === 'POST' ? 201 : 200);
          const expected = admitted ? success : role ? 403 : 401;
 */
import { findMotoServer } from '@app/crypto-messaging/testing';
import { ROLES, type Role } from '@app/identity';
import { declaredRoutesOf, type ClinicApp, type DeclaredRoute } from '@app/platform';
import {
  api,
  eventually,
  sampleRecord,
  samplePatient,
  startClinicUnderTest,
  type Clinic,
} from './clinic-harness';

/** Who may call what: the roles, once. `public` only for answers without PHI. */
const POLICY: Readonly<Record<string, readonly Role[] | 'public'>> = {
  'GET /health': 'public',
  'GET /key-use': ['administrator'],
  'GET /doctor': ['administrator'],
  'GET /audit': ['privacy-officer'],
  'GET /audit/verification': ['privacy-officer'],
  'POST /patients': ['physician'],
  'POST /patients/search': ['physician', 'nurse'],
  'GET /patients/:id': ['physician', 'nurse'],
  'POST /patients/:id/records': ['physician'],
  'GET /patients/:id/records': ['physician', 'nurse'],
  'GET /records/:id': ['physician', 'nurse'],
  'GET /patients/:patientId/invoices': ['billing-clerk'],
  'GET /invoices': ['billing-clerk'],
  'GET /invoices/:id': ['billing-clerk'],
  'GET /patients/:patientId/appointments': ['scheduler'],
  'GET /patients/:patientId/reminders': ['scheduler'],
  'GET /patients/:patientId/scheduling-skips': ['scheduler'],
  'GET /appointments': ['scheduler'],
  'GET /reminders': ['scheduler'],
  'GET /patients/:patientId/prescriptions': ['pharmacist', 'physician'],
  'GET /prescriptions': ['pharmacist'],
  'GET /prescriptions/:id': ['pharmacist', 'physician'],
  'GET /prescriptions/:id/fills': ['pharmacist', 'physician'],
  'POST /prescriptions/:id/fills': ['pharmacist'],
  'GET /records/:id/journey': ['physician', 'administrator'],
  'GET /journey/:eventId': ['physician', 'administrator'],
  // The workshop lab: embedded profile only (absent on aws, checked below).
  'POST /lab/records/:id/tamper': ['physician', 'administrator'],
  'POST /lab/records/:id/forge': ['physician', 'administrator'],
  'POST /lab/records/:id/replay': ['physician', 'administrator'],
  'POST /lab/transport/pause': ['physician', 'administrator'],
  'POST /lab/transport/resume': ['physician', 'administrator'],
};

/** Routes that accept work to be done later: 202, not 201. */
const ACCEPTED = /^POST \/lab\//;

/** The ids one scenario produced: a patient with a record invoiced, booked and prescribed. */
interface Scenario {
  patientId: string;
  recordId: string;
  eventId: string;
  invoiceId: string;
  prescriptionId: string;
}

/**
 * How to call a route: its path with ids filled in, the body of a write, and the status an
 * admitted role gets when it is not the method's usual one (a search is a POST that creates nothing).
 */
type Fixture = (s: Scenario) => { path: string; body?: unknown; ok?: number };

const FIXTURES: Readonly<Record<string, Fixture>> = {
  'GET /health': () => ({ path: '/health' }),
  'GET /key-use': () => ({ path: '/key-use' }),
  'GET /doctor': () => ({ path: '/doctor' }),
  'GET /audit': (s) => ({ path: `/audit?patientId=${s.patientId}&limit=5` }),
  'GET /audit/verification': () => ({ path: '/audit/verification' }),
  'POST /patients': () => ({ path: '/patients', body: samplePatient }),
  'POST /patients/search': () => ({ path: '/patients/search', body: { query: 'SYN-' }, ok: 200 }),
  'GET /patients/:id': (s) => ({ path: `/patients/${s.patientId}` }),
  'POST /patients/:id/records': (s) => ({ path: `/patients/${s.patientId}/records`, body: sampleRecord() }),
  'GET /patients/:id/records': (s) => ({ path: `/patients/${s.patientId}/records` }),
  'GET /records/:id': (s) => ({ path: `/records/${s.recordId}` }),
  'GET /patients/:patientId/invoices': (s) => ({ path: `/patients/${s.patientId}/invoices` }),
  'GET /invoices': () => ({ path: '/invoices?limit=5' }),
  'GET /invoices/:id': (s) => ({ path: `/invoices/${s.invoiceId}` }),
  'GET /patients/:patientId/appointments': (s) => ({ path: `/patients/${s.patientId}/appointments` }),
  'GET /patients/:patientId/reminders': (s) => ({ path: `/patients/${s.patientId}/reminders` }),
  'GET /patients/:patientId/scheduling-skips': (s) => ({ path: `/patients/${s.patientId}/scheduling-skips` }),
  'GET /appointments': () => ({ path: '/appointments?from=2026-11-01&to=2026-12-31' }),
  'GET /reminders': () => ({ path: '/reminders?from=2026-11-01&to=2026-12-31' }),
  'GET /patients/:patientId/prescriptions': (s) => ({ path: `/patients/${s.patientId}/prescriptions` }),
  'GET /prescriptions': () => ({ path: '/prescriptions?limit=5' }),
  'GET /prescriptions/:id': (s) => ({ path: `/prescriptions/${s.prescriptionId}` }),
  'GET /prescriptions/:id/fills': (s) => ({ path: `/prescriptions/${s.prescriptionId}/fills` }),
  'POST /prescriptions/:id/fills': (s) => ({
    path: `/prescriptions/${s.prescriptionId}/fills`,
    body: { quantity: 1, filledAt: new Date(Date.now() - 60_000).toISOString() },
  }),
  'GET /records/:id/journey': (s) => ({ path: `/records/${s.recordId}/journey` }),
  'GET /journey/:eventId': (s) => ({ path: `/journey/${s.eventId}` }),
  'POST /lab/records/:id/tamper': (s) => ({ path: `/lab/records/${s.recordId}/tamper`, body: {} }),
  'POST /lab/records/:id/forge': (s) => ({ path: `/lab/records/${s.recordId}/forge`, body: {} }),
  'POST /lab/records/:id/replay': (s) => ({ path: `/lab/records/${s.recordId}/replay`, body: {} }),
  'POST /lab/transport/pause': () => ({ path: '/lab/transport/pause', body: {} }),
  'POST /lab/transport/resume': () => ({ path: '/lab/transport/resume', body: {} }),
};

const APPS: readonly ClinicApp[] = ['emr', 'billing', 'scheduling', 'prescription'];
const keyOf = (route: DeclaredRoute) => `${route.method} ${route.path}`;

const profiles: Array<['embedded' | 'aws', jest.Describe]> = [
  ['embedded', describe],
  ['aws', findMotoServer() ? describe : describe.skip],
];

describe.each(profiles)('every route x every role (%s profile)', (profile, run) => {
  run('the access matrix', () => {
    let clinic: Clinic;
    let scenario: Scenario;
    const routes: Array<{ app: ClinicApp; route: DeclaredRoute }> = [];

    beforeAll(async () => {
      clinic = (await startClinicUnderTest(profile))!;
      for (const app of APPS) {
        for (const route of declaredRoutesOf(clinic.apps[app].http)) routes.push({ app, route });
      }
      const as = (role: Role) => clinic.env.token(role);
      const emr = clinic.apps.emr.url;
      const patientId = (
        await api<{ id: string }>('POST', `${emr}/patients`, samplePatient, await as('physician'))
      ).body.id;
      const record = await api<{ id: string; eventId: string }>(
        'POST',
        `${emr}/patients/${patientId}/records`,
        sampleRecord(),
        await as('physician'),
      );
      const listed = <T>(app: ClinicApp, path: string, role: Role) =>
        eventually(
          `${app} ${path}`,
          async () =>
            (await api<T[]>('GET', `${clinic.apps[app].url}${path}`, undefined, await as(role))).body,
          (list) => Array.isArray(list) && list.length > 0,
        );
      const [invoice] = await listed<{ id: string }>(
        'billing',
        `/patients/${patientId}/invoices`,
        'billing-clerk',
      );
      const [prescription] = await listed<{ id: string }>(
        'prescription',
        `/patients/${patientId}/prescriptions`,
        'pharmacist',
      );
      await listed('scheduling', `/patients/${patientId}/appointments`, 'scheduler');
      scenario = {
        patientId,
        recordId: record.body.id,
        eventId: record.body.eventId,
        invoiceId: invoice.id,
        prescriptionId: prescription.id,
      };
    }, 180_000);
    afterAll(() => clinic?.stop());

    it('finds the routes of all four apps, each with a rule, a policy entry and a fixture', () => {
      expect(routes.length).toBeGreaterThanOrEqual(APPS.length * 3 + 14);
      const problems = routes.flatMap(({ app, route }) => {
        const key = keyOf(route);
        const where = `${app} ${route.controller}.${route.handler} (${key})`;
        const policy = POLICY[key];
        const out: string[] = [];
        if (!route.access) out.push(`${where}: no @Allow or @Public`);
        if (!policy) out.push(`${where}: not in POLICY (who may call it?)`);
        if (!FIXTURES[key]) out.push(`${where}: no fixture in FIXTURES`);
        if (route.access && policy) {
          const declared =
            route.access.kind === 'public' ? 'public' : [...route.access.roles].sort().join(',');
          const intended = policy === 'public' ? 'public' : [...policy].sort().join(',');
          if (declared !== intended) out.push(`${where}: declares ${declared}, POLICY says ${intended}`);
        }
        return out;
      });
      expect(problems).toEqual([]);
    });

    it(`registers the workshop lab routes ${profile === 'embedded' ? 'on the embedded stack' : 'nowhere'}`, () => {
      const lab = routes
        .filter(({ route }) => route.path.startsWith('/lab/'))
        .map(({ route }) => keyOf(route));
      if (profile === 'embedded') expect(lab).toHaveLength(3 + 2 * 3);
      else expect(lab).toEqual([]);
    });

    it('answers each role 200/201 where admitted and 403 elsewhere, and 401 without a token', async () => {
      const rows: string[] = [];
      const wrong: string[] = [];
      for (const { app, route } of routes) {
        const key = keyOf(route);
        const policy = POLICY[key];
        const { path, body, ok } = FIXTURES[key](scenario);
        const url = `${clinic.apps[app].url}${path}`;
        const cells: string[] = [];
        for (const role of [...ROLES, undefined]) {
          const token = role ? await clinic.env.token(role) : undefined;
          const answer = await api<unknown>(route.method, url, body, token);
          const admitted = policy === 'public' || (role !== undefined && policy.includes(role));
          const success = ok ?? (ACCEPTED.test(key) ? 202 : route.method === 'POST' ? 201 : 200);
          const expected = admitted ? success : role ? 403 : 401;
          cells.push(`${role ?? 'nobody'}=${answer.status}`);
          if (answer.status !== expected)
            wrong.push(`${app} ${key} as ${role ?? 'nobody'}: ${answer.status}, expected ${expected}`);
        }
        rows.push(`${app.padEnd(12)} ${key.padEnd(44)} ${cells.join(' ')}`);
      }
      // The table, for whoever reads the test output: one row per route.
      process.stdout.write(`\naccess matrix (${profile}):\n${rows.join('\n')}\n`);
      expect(wrong).toEqual([]);
    }, 180_000);
  });
});
