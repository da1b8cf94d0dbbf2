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

describe('loadAppConfig: CLINIC_DATABASE_POOL_SIZE', () => {
  it("is the app's default when unset, and the number given otherwise", () => {
    expect(loadAppConfig('emr', {}).databasePoolSize).toBeUndefined();
    expect(loadAppConfig('emr', { CLINIC_DATABASE_POOL_SIZE: '25' }).databasePoolSize).toBe(25);
  });

  it.each(['1', '0', '101', 'ten', '2.5', '-3'])('names the setting and its range for %s', (value) => {
    expect(() => loadAppConfig('emr', { CLINIC_DATABASE_POOL_SIZE: value })).toThrow(
      /CLINIC_DATABASE_POOL_SIZE must/,
    );
  });
});
