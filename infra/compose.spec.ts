import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { loadMessagingConfig } from '@app/crypto-messaging';
import { APP_PORTS, type AppName, appStartCommand, CLI_ENTRYPOINT } from './lib/apps';

/** docker-compose.yml and the Dockerfile, checked as data: no Docker daemon needed. */
const ROOT = path.resolve(__dirname, '..');
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  profiles?: string[];
};
const composeText = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
// `merge: true`: the file shares settings through YAML merge keys (<<), as Compose does.
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const apps = Object.keys(APP_PORTS) as AppName[];

describe('docker-compose.yml', () => {
  it.each(apps)('%s: its environment passes the messaging config and has DATABASE_URL and PORT', (app) => {
    const env = services[app].environment!;
    const config = loadMessagingConfig(env);
    expect(config.profile).toBe('aws');
    expect(config.endpoint).toBe('http://moto:5000');
    expect(env.DATABASE_URL).toMatch(new RegExp(`^postgres://[^@]+@postgres:5432/${app}$`));
    expect(env.PORT).toBe(String(APP_PORTS[app]));
  });

  it.each(apps)('%s: runs its entry point and publishes its port', (app) => {
    expect(services[app].command).toEqual(['sh', '-c', appStartCommand(app)]);
    expect(services[app].ports).toEqual([`${APP_PORTS[app]}:${APP_PORTS[app]}`]);
  });

  it('every depends_on names a service, and service_healthy targets have a health check', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect({ name, dep, exists: dep in services }).toEqual({ name, dep, exists: true });
        if (condition === 'service_healthy')
          expect(services[dep].healthcheck?.test?.length ?? 0).toBeGreaterThan(0);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
      }
    }
  });

  it('apps wait for the broker, the database and provisioning', () => {
    for (const app of apps) {
      expect(services[app].depends_on).toEqual({
        moto: { condition: 'service_healthy' },
        postgres: { condition: 'service_healthy' },
        provision: { condition: 'service_completed_successfully' },
      });
      expect(services[app].healthcheck?.test?.join(' ')).toContain('/health');
    }
  });

  it('moto is the AWS endpoint', () => {
    expect(services.moto.image).toMatch(/^motoserver\/moto(:|$)/);
    const endpoints = new Set(
      Object.values(services)
        .map((s) => s.environment?.AWS_ENDPOINT_URL)
        .filter(Boolean),
    );
    expect([...endpoints]).toEqual(['http://moto:5000']);
  });

  it('LocalStack is optional (a profile) and its auth token is noted', () => {
    expect(services.localstack.profiles).toEqual(['localstack']);
    expect(services.localstack.environment).toHaveProperty('LOCALSTACK_AUTH_TOKEN');
    expect(composeText).toMatch(/LocalStack now requires an account auth token/);
    for (const app of apps) expect(services[app].profiles).toBeUndefined();
  });

  it('a one-shot service provisions with CLINIC_PROFILE=aws before the apps start', () => {
    const p = services.provision;
    expect(p.command).toEqual(['node', CLI_ENTRYPOINT, 'provision']);
    expect(loadMessagingConfig(p.environment).profile).toBe('aws');
    expect((p as { restart?: string }).restart).toBe('no');
  });

  it('the four apps and provisioning run one image built from the one Dockerfile', () => {
    const built = [...apps, 'provision'].map((n) => services[n]);
    expect(new Set(built.map((s) => s.image))).toEqual(new Set(['clinic-app:local']));
    for (const s of built) expect(s.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.match(/^FROM\s.+$/gm) ?? [];
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('is multi-stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
  });

  it('runs as a non-root user', () => {
    const user = runtime.match(/^USER\s+(\S+)/m)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('ships production dependencies only', () => {
    expect(dockerfile).toMatch(/npm ci[^\n]*--omit=dev/);
    expect(runtime).toMatch(/COPY --from=deps\S* .*node_modules/);
    expect(runtime).not.toMatch(/COPY --from=build\S* .*node_modules/);
  });

  it('has a health check on /health', () => {
    expect(runtime).toMatch(/^HEALTHCHECK .*\/health/ms);
  });

  it('builds the apps that compose and ECS start', () => {
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/COPY apps /);
  });
});
