import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { clinicTopology } from './clinic.topology';
import { consumes, defineApp } from './app-blueprint';
import {
  appNamed,
  CLINIC_APP_NAMES,
  consumerNames,
  consumers,
  databaseNames,
  defaultPorts,
  isClinicApp,
  publisherApp,
} from './app-list';
import { CLINIC_APPS, CLINIC_SCREEN } from './apps';

const ROOT = path.resolve(__dirname, '..', '..', '..');

describe('the list of apps', () => {
  it('names the four apps in start order, the publisher first', () => {
    expect(CLINIC_APP_NAMES).toEqual(['emr', 'billing', 'scheduling', 'prescription']);
    expect(publisherApp().name).toBe('emr');
    expect(consumerNames()).toEqual(['billing', 'scheduling', 'prescription']);
  });

  it('keeps the ports people know: EMR 3000 ... Prescription 3003, the screen 8080', () => {
    expect(defaultPorts()).toEqual({ emr: 3000, billing: 3001, scheduling: 3002, prescription: 3003 });
    expect(CLINIC_SCREEN.port).toEqual({ default: 8080, variable: 'CLINIC_WEB_PORT' });
  });

  it('gives every process a name, port and database of its own', () => {
    const processes = [...CLINIC_APPS, CLINIC_SCREEN];
    for (const key of ['name', 'title'] as const)
      expect(new Set(processes.map((p) => p[key])).size).toBe(processes.length);
    expect(new Set(processes.map((p) => p.port.default)).size).toBe(processes.length);
    expect(new Set(databaseNames()).size).toBe(CLINIC_APPS.length);
    expect(new Set(consumers().map((c) => c.messaging.queue)).size).toBe(consumers().length);
    expect(CLINIC_APPS.filter((a) => a.messaging.role === 'publisher')).toHaveLength(1);
  });

  it('points at entry points that exist', () => {
    for (const p of [...CLINIC_APPS, CLINIC_SCREEN])
      expect(existsSync(path.join(ROOT, p.entry.source))).toBe(true);
  });

  it('matches the messaging topology: its publisher and one queue per consumer', () => {
    const topology = clinicTopology();
    expect(topology.publisher).toBe(publisherApp().name);
    expect(topology.queues.map((q) => q.consumer)).toEqual(consumers().map((c) => c.messaging.queue));
  });

  it('subscribes each consumer to what its line routes on, on top of every patient record', () => {
    const policies = Object.fromEntries(clinicTopology().queues.map((q) => [q.consumer, q.filterPolicy]));
    const patientRecords = { 'event-type': [{ prefix: 'patient-record.' }] };
    expect(policies).toEqual({
      billing: { ...patientRecords, billable: ['true'] },
      scheduling: patientRecords,
      prescription: { ...patientRecords, 'has-medications': ['true'] },
    });
  });
});

describe('defineApp', () => {
  it("derives an app's settings from its name, by the repository's conventions", () => {
    expect(defineApp('labs', 'Labs', 3005, consumes('labs'))).toEqual({
      name: 'labs',
      title: 'Labs',
      port: { default: 3005, variable: 'CLINIC_LABS_PORT' },
      entry: { source: 'apps/labs/src/main.ts', dist: 'dist/apps/labs/src/main.js' },
      database: { name: 'labs', login: 'labs_app' },
      messaging: { role: 'consumer', queue: 'labs', onlyWhen: {} },
      urlVariable: 'CLINIC_LABS_URL',
    });
  });
});

describe('appNamed and isClinicApp', () => {
  it('find an app by name', () => {
    expect(appNamed('billing').title).toBe('Billing');
    expect(isClinicApp('scheduling')).toBe(true);
    expect(isClinicApp('web')).toBe(false);
  });

  it('name the known apps for an unknown name', () => {
    expect(() => appNamed('nowhere')).toThrow(
      'Unknown app "nowhere": one of emr, billing, scheduling, prescription',
    );
  });
});
