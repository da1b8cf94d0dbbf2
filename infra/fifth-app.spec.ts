/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any --
   Synthesized CloudFormation and parsed YAML are untyped; these assertions check their shape. */
/**
 * Adding an app is its folder plus one line in the list (libs/clinic/src/apps.ts): this suite
 * adds that line (a fifth app, "labs", a consumer on port 3005) and checks that the CDK stack
 * and docker-compose.yml follow. tools/clinic/fifth-app.spec.ts does the same for the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { appNamed } from '@app/clinic';
import { APP_PORTS, appEntrypoint, appStartCommand } from './lib/apps';
import { withGeneratedApps } from './lib/compose';
import { synthClinic, resourcesOf, type SynthesizedClinic } from './lib/testing/synth-clinic';

jest.mock('@app/clinic/apps', () =>
  jest
    .requireActual<typeof import('@app/clinic/testing/fifth-app')>('@app/clinic/testing/fifth-app')
    .appsWithFifthApp(),
);

const labs = appNamed('labs').name;

describe('a fifth app, added by one line in the list', () => {
  it('has its port and compiled entry point in the infrastructure code', () => {
    expect(APP_PORTS).toMatchObject({ labs: 3005 });
    expect(appEntrypoint(labs)).toBe('dist/apps/labs/src/main.js');
  });

  describe('the CDK stack', () => {
    let synthesized: SynthesizedClinic;
    beforeAll(() => {
      synthesized = synthClinic();
    });

    it('gives it a task role, its own database login and log group', () => {
      const { stack } = synthesized;
      expect(stack.roles[labs]).toBeDefined();
      expect(stack.services.appLogins[labs]).toBeDefined();
      expect(stack.services.appLogGroups[labs]).toBeDefined();
      const logins = Object.values(resourcesOf(synthesized.template, 'AWS::SecretsManager::Secret')).map(
        (s) => s.Properties.GenerateSecretString?.SecretStringTemplate as string | undefined,
      );
      expect(logins).toContain(JSON.stringify({ username: 'labs_app' }));
    });

    it('runs it on ECS on its port and creates its database', () => {
      const containers = Object.values(resourcesOf(synthesized.template, 'AWS::ECS::TaskDefinition')).flatMap(
        (t) => t.Properties.ContainerDefinitions as any[],
      );
      const app = containers.find((c) => c.PortMappings?.[0]?.ContainerPort === 3005);
      expect(app).toBeDefined();
      expect(JSON.stringify(app.Command)).toContain('dist/apps/labs/src/main.js');
      expect(Object.keys(resourcesOf(synthesized.template, 'AWS::ECS::Service'))).toHaveLength(5);
      expect(JSON.stringify(containers.find((c) => c.Name === 'db-init').Command)).toContain('labs');
    });
  });

  it('is a service of docker-compose.yml, with its database, once `npm run infra:compose` ran', () => {
    const file = fs.readFileSync(path.resolve(__dirname, '..', 'docker-compose.yml'), 'utf8');
    const compose = parse(withGeneratedApps(file), { merge: true }) as {
      services: Record<string, any>;
      configs: Record<string, { content: string }>;
    };
    expect(compose.services.labs.command).toEqual(['sh', '-c', appStartCommand(labs)]);
    expect(compose.services.labs.ports).toEqual(['3005:3005']);
    expect(compose.services.labs.environment.DATABASE_URL).toMatch(/@postgres:5432\/labs$/);
    expect(compose.configs['create-databases'].content).toContain('CREATE DATABASE labs;');
  });
});
