import { CLINIC_CONSUMER_TUNING } from '../consumer-tuning';
import { DB_POOL_MAX } from '../database/data-source.factory';
import { loadAppConfig as load } from './app.config';

// A database URL given, so that no app login's password is looked up in a state folder.
const DATABASE_URL = 'postgres://config-test@127.0.0.1:1/app';
const loadAppConfig = (app: Parameters<typeof load>[0], env: NodeJS.ProcessEnv) =>
  load(app, { DATABASE_URL, ...env });

describe('loadAppConfig: the HTTP edge', () => {
  it('defaults: loopback only, the web app origins, 300 reads and 60 writes a minute, docs off', () => {
    expect(loadAppConfig('emr', {}).edge).toEqual({
      allowedHosts: [],
      allowedOrigins: ['http://127.0.0.1:8080', 'http://localhost:8080'],
      readsPerMinute: 300,
      writesPerMinute: 60,
      apiDocs: false,
    });
  });

  it('reads the settings, lower-casing names', () => {
    const edge = loadAppConfig('billing', {
      HOST: '0.0.0.0',
      CLINIC_ALLOWED_HOSTS: 'Clinic.Example.org:443, 10.0.0.5:3001',
      CLINIC_ALLOWED_ORIGINS: 'https://clinic.example.org',
      CLINIC_RATE_LIMIT_READS: '5000',
      CLINIC_RATE_LIMIT_WRITES: '900',
      CLINIC_API_DOCS: 'on',
    }).edge;
    expect(edge).toEqual({
      allowedHosts: ['clinic.example.org:443', '10.0.0.5:3001'],
      allowedOrigins: ['https://clinic.example.org'],
      readsPerMinute: 5000,
      writesPerMinute: 900,
      apiDocs: true,
    });
  });

  it('requires CLINIC_ALLOWED_HOSTS when HOST listens on every interface, and says why', () => {
    expect(() => loadAppConfig('emr', { HOST: '0.0.0.0' })).toThrow(
      /CLINIC_ALLOWED_HOSTS is required when HOST is 0\.0\.0\.0/,
    );
  });

  it.each([
    ['CLINIC_ALLOWED_HOSTS', 'clinic.example.org'],
    ['CLINIC_ALLOWED_ORIGINS', 'https://clinic.example.org/app'],
    ['CLINIC_RATE_LIMIT_READS', 'lots'],
    ['CLINIC_RATE_LIMIT_WRITES', '0'],
    ['CLINIC_API_DOCS', 'yes'],
  ])('names %s when it is invalid (%s)', (name, value) => {
    expect(() => loadAppConfig('emr', { [name]: value })).toThrow(name);
  });
});

describe('loadAppConfig: CLINIC_<APP>_DATABASE_POOL_SIZE', () => {
  it("is the app's default when unset or empty, and the number given otherwise, for that app only", () => {
    expect(loadAppConfig('emr', {}).databasePoolSize).toBeUndefined();
    expect(loadAppConfig('emr', { CLINIC_EMR_DATABASE_POOL_SIZE: ' ' }).databasePoolSize).toBeUndefined();
    const env = { CLINIC_EMR_DATABASE_POOL_SIZE: '25', CLINIC_BILLING_DATABASE_POOL_SIZE: '40' };
    expect(loadAppConfig('emr', env).databasePoolSize).toBe(25);
    expect(loadAppConfig('billing', env).databasePoolSize).toBe(40);
    expect(loadAppConfig('scheduling', env).databasePoolSize).toBeUndefined();
  });

  it.each(['2', '0', '101', 'ten', '2.5', '-3', '0x10', '1e1', '20.0'])(
    'names the setting, its range and the value for %s',
    (value) => {
      expect(() => loadAppConfig('emr', { CLINIC_EMR_DATABASE_POOL_SIZE: value })).toThrow(
        `CLINIC_EMR_DATABASE_POOL_SIZE must be a whole number of connections from 3 to 100, got "${value}"`,
      );
    },
  );

  it("refuses a consumer's pool no larger than its messages in flight, naming the smallest that fits", () => {
    const inFlight = CLINIC_CONSUMER_TUNING.concurrency!;
    const refused = () => loadAppConfig('billing', { CLINIC_BILLING_DATABASE_POOL_SIZE: String(inFlight) });
    expect(refused).toThrow(`the billing app handles ${inFlight} messages at once`);
    try {
      refused();
    } catch (error) {
      expect((error as { fix?: string }).fix).toBe(
        `Set CLINIC_BILLING_DATABASE_POOL_SIZE to at least ${inFlight + 1}, or unset it (${DB_POOL_MAX.messages}).`,
      );
    }
    expect(
      loadAppConfig('billing', { CLINIC_BILLING_DATABASE_POOL_SIZE: String(inFlight + 1) }).databasePoolSize,
    ).toBe(inFlight + 1);
    // The EMR has no messages in flight: its floor is the setting's own.
    expect(loadAppConfig('emr', { CLINIC_EMR_DATABASE_POOL_SIZE: '3' }).databasePoolSize).toBe(3);
  });
});
