/**
 * Adding an app is its folder plus one line in the list (libs/clinic/src/apps.ts): this suite
 * adds that line (a fifth app, "labs", a consumer on port 3005) and checks that every place
 * the tools, the platform and the screen take the apps from follows. infra/fifth-app.spec.ts
 * does the same for the CDK stack and docker-compose.yml.
 */
import {
  appNamed,
  CLINIC_APP_NAMES,
  clinicTopology,
  consumerNames,
  databaseNames,
  defaultPorts,
  loadMessagingConfig,
} from '@app/clinic';
import { appPortOf } from '@app/platform';
import { loadWebConfig } from '../../apps/web/src/web.config';
import { APPS } from './app-registry';
import { APP_DATABASES } from './commands';

jest.mock('@app/clinic/apps', () =>
  jest
    .requireActual<typeof import('@app/clinic/testing/fifth-app')>('@app/clinic/testing/fifth-app')
    .appsWithFifthApp(),
);

describe('a fifth app, added by one line in the list', () => {
  it('is a consumer with its port and its database', () => {
    expect(CLINIC_APP_NAMES).toEqual(['emr', 'billing', 'scheduling', 'prescription', 'labs']);
    expect(consumerNames()).toContain('labs');
    expect(defaultPorts()).toMatchObject({ labs: 3005 });
    expect(databaseNames()).toContain('labs');
  });

  it('gets its queue, dead-letter queue and subscription to every patient record in the topology', () => {
    const labs = clinicTopology({ prefix: 'p' }).queues.find((q) => q.consumer === 'labs');
    expect(labs).toMatchObject({
      name: 'p-labs',
      deadLetterQueueName: 'p-labs-dlq',
      filterPolicy: { 'event-type': [{ prefix: 'patient-record.' }] },
    });
    expect(Object.keys(labs!.filterPolicy)).toEqual(['event-type']);
  });

  it('names its key users in CLINIC_CONSUMER_ARNS_LABS, and a bad ARN there is refused by name', () => {
    const arn = 'arn:aws:iam::123456789012:role/labs';
    expect(loadMessagingConfig({ CLINIC_CONSUMER_ARNS_LABS: arn }).principals.consumers.labs).toEqual([arn]);
    expect(() => loadMessagingConfig({ CLINIC_CONSUMER_ARNS_LABS: 'labs' })).toThrow(
      'CLINIC_CONSUMER_ARNS_LABS',
    );
  });

  it('gets its port from CLINIC_LABS_PORT, else 3005 (platform config)', () => {
    expect(appPortOf(appNamed('labs').name, {})).toBe(3005);
    expect(appPortOf(appNamed('labs').name, { CLINIC_LABS_PORT: '4105' })).toBe(4105);
  });

  it('is started and migrated by the CLI (npm start, migrate) and its database made by the local stack', () => {
    expect(APPS.map((a) => a.app)).toContain('labs');
    expect(APPS.find((a) => a.app === appNamed('labs').name)!.entry).toMatch(/\/apps\/labs\/src\/main\.ts$/);
    expect(APP_DATABASES).toContain('labs');
  });

  it('is reached by the screen at CLINIC_LABS_URL, else on its loopback port', () => {
    const env = { CLINIC_STATE_DIR: '/nonexistent-clinic-state' };
    expect(loadWebConfig(env).apis).toMatchObject({ labs: 'http://127.0.0.1:3005' });
    expect(loadWebConfig({ ...env, CLINIC_LABS_URL: 'http://labs.internal:80/' }).apis).toMatchObject({
      labs: 'http://labs.internal:80',
    });
  });
});
