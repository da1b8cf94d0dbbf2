import * as path from 'node:path';
import { loadOrCreateLocalMasterKey } from '@app/crypto-messaging';
import { loadIdentityConfig } from '@app/identity';
import {
  ADMIN_PASSWORD_MOVED,
  postgresDataDirOf,
  startBroker,
  startIdentityProvider,
  startPostgres,
  usesEmbeddedIdentityProvider,
  type Broker,
  type IdentityProvider,
} from '@app/local-stack';
import { appNamed, CLINIC_APP_NAMES, type ClinicApp } from '@app/clinic';
import { databasePoolSizeOf, loadEdgeConfig } from '@app/platform';
import { registeredApp } from './app-registry';
import { startAppProcess, startWebProcess, type AppProcess } from './app-processes';
import { APP_DATABASES, databaseUrlOf, migrate, provision, type Output } from './commands';
import { Supervisor, type CrashLoopError, type RestartPolicyOptions, type Supervisable } from './supervisor';
import { type MessagingConfig } from '@app/clinic';

/** Shutdown order of the supervisor: the screen first, then the apps drain, then the broker and identity provider, PostgreSQL last. */
const TIER = { postgres: 0, broker: 1, identity: 1, app: 2, web: 3 } as const;

/** The clinic running locally: infrastructure plus app processes, all supervised. */
export interface RunningClinic {
  /** The apps, each entry replaced by the new process when the supervisor restarts one. */
  readonly apps: AppProcess[];
  /** The embedded broker now running (embedded profile); a new one after a restart. */
  readonly broker: () => Broker | undefined;
  /** The embedded identity provider now running (when the issuer is the embedded one). */
  readonly identityProvider: () => IdentityProvider | undefined;
  /** Resolves when a process crash-loops: the caller should stop the clinic. */
  readonly crashLoop: Promise<CrashLoopError>;
  /** Starts more apps (the demo starts the consumers after the EMR). */
  startApps(apps: readonly ClinicApp[]): Promise<AppProcess[]>;
  /** Starts the screen (apps/web, CLINIC_WEB_PORT), supervised like the apps; its URL. */
  startWeb(): Promise<string>;
  /** Stops the apps (they drain), then the infrastructure. Nothing restarts from then on. */
  stop(): Promise<void>;
}

export interface StartClinicOptions {
  /** App log lines to show: all, or warnings and errors only (the demo). */
  appLogs?: 'all' | 'problems';
  /** Overrides of the restart rule (tests). */
  restartPolicy?: Partial<RestartPolicyOptions>;
}

/**
 * Starts the infrastructure for the profile, provisions (embedded) and migrates, then the given
 * apps as separate processes. Embedded: broker + PostgreSQL + local key. aws: PostgreSQL only;
 * messaging is whatever AWS_ENDPOINT_URL / AWS_REGION point at, provisioned beforehand.
 * A process that ends unexpectedly is restarted (see {@link Supervisor}); the broker on the same
 * port and data folder, so that the messages waiting in it are still there.
 */
export async function startClinic(
  config: MessagingConfig,
  out: Output,
  apps: readonly ClinicApp[],
  options: StartClinicOptions = {},
): Promise<RunningClinic> {
  const supervisor = new Supervisor({
    log: (line) => out.line(`${'supervisor'.padEnd(12)}| ${line}`),
    policy: options.restartPolicy,
  });
  const running: AppProcess[] = [];
  let broker: Broker | undefined;
  let identityProvider: IdentityProvider | undefined;
  try {
    out.line(`Starting the clinic (${config.profile} profile)`);
    const identity = loadIdentityConfig(globalThis.process.env, config);
    // Each app's pool size setting, checked before anything starts rather than at its app's turn.
    for (const app of CLINIC_APP_NAMES) databasePoolSizeOf(app, globalThis.process.env);
    const postgresDir = postgresDataDirOf(config.stateDir);
    let postgresPort = config.postgresPort;
    const startPg = async () => {
      const pg = await startPostgres({ dataDir: postgresDir, port: postgresPort, databases: APP_DATABASES });
      postgresPort = pg.port;
      if (pg.adminPasswordMoved) out.line(`  ${ADMIN_PASSWORD_MOVED} (${pg.secretsDir})`);
      return pg;
    };
    if (config.profile === 'embedded') {
      const key = loadOrCreateLocalMasterKey(config.stateDir);
      out.line(`  ${key.created ? 'generated' : 'using'} the local master key ${key.path}`);
      const brokerDir = path.join(config.stateDir, 'broker');
      let brokerPort = config.brokerPort;
      const startBrokerHere = async () => {
        // Same port and the same SQLite store on every restart: the apps find it where it was,
        // and the messages it had acknowledged are still waiting.
        broker = await startBroker({ port: brokerPort, region: config.region, dataDir: brokerDir });
        brokerPort = broker.port;
        return broker;
      };
      await supervisor.supervise('broker', startBrokerHere, { tier: TIER.broker });
      out.line(`  SNS/SQS broker (fauxqs) on ${broker!.endpoint}, messages kept in ${brokerDir}`);
      const pg = await supervisor.supervise('postgres', startPg, { tier: TIER.postgres });
      out.line(`  PostgreSQL on 127.0.0.1:${pg.port} (databases: ${APP_DATABASES.join(', ')})`);
      await provision(config, out);
    } else {
      const pg = await supervisor.supervise('postgres', startPg, { tier: TIER.postgres });
      out.line(`  PostgreSQL on 127.0.0.1:${pg.port}`);
      out.line(
        `  messaging: ${config.endpoint ?? `AWS ${config.region}`} (run "npm run clinic -- provision" there first)`,
      );
    }
    if (usesEmbeddedIdentityProvider(identity)) {
      // Same port and state folder on every restart: the issuer apps trust stays the same and
      // the signing keys are reused, so tokens issued before a crash still verify.
      await supervisor.supervise(
        'identity-provider',
        async () =>
          (identityProvider = await startIdentityProvider({
            port: identity.idpPort,
            identity,
            onLog: (line) => {
              // The demo shows problems only: failed and throttled sign-ins, refused tokens.
              if (options.appLogs !== 'problems' || /failed|throttled|refused|error/.test(line))
                out.line(`${'identity'.padEnd(12)}| ${line}`);
            },
          })),
        { tier: TIER.identity },
      );
      out.line(
        `  identity provider (OpenID Connect) on ${identityProvider!.issuer}; staff and passwords: npm run clinic -- staff`,
      );
    } else {
      out.line(`  identity: apps trust ${identity.issuer} (audience ${identity.audience})`);
    }
    out.line("Migrating the apps' databases");
    await migrate(config, out);
    const clinic: RunningClinic = {
      apps: running,
      broker: () => broker,
      identityProvider: () => identityProvider,
      crashLoop: supervisor.crashLoop,
      async startApps(names) {
        const started: AppProcess[] = [];
        for (const name of names) {
          // appNamed refuses a name outside the list (a caller from plain JavaScript).
          const registered = registeredApp(appNamed(name).name);
          out.line(`Starting ${name}...`);
          const env = { ...globalThis.process.env, DATABASE_URL: databaseUrlOf(name, config) };
          let current: AppProcess | undefined;
          const startApp = async () =>
            appSupervisable((current = await startAppProcess(registered, out, env, options.appLogs)));
          await supervisor.supervise(name, startApp, {
            tier: TIER.app,
            onRestarted: () => {
              const at = running.findIndex((a) => a.app === name);
              if (at >= 0 && current) running[at] = current;
            },
          });
          running.push(current!);
          started.push(current!);
        }
        return started;
      },
      async startWeb() {
        out.line('Starting the screen...');
        let url = '';
        await supervisor.supervise(
          'web',
          async () => {
            const web = await startWebProcess(out, globalThis.process.env, options.appLogs);
            url = web.url;
            return {
              exited: web.exited.then((code) => ({ code, signal: web.child.signalCode })),
              stop: () => web.stop(),
            };
          },
          { tier: TIER.web },
        );
        return url;
      },
      stop: () => supervisor.stop(),
    };
    await clinic.startApps(apps);
    return clinic;
  } catch (error) {
    await supervisor.stop();
    throw error;
  }
}

/** An app process as the supervisor sees it: the exit code or signal, and a draining stop. */
function appSupervisable(app: AppProcess): Supervisable {
  return {
    exited: app.exited.then((code) => ({ code, signal: app.child.signalCode })),
    stop: () => app.stop(),
  };
}

/**
 * `npm start`: the clinic until Ctrl-C or SIGTERM (exit 0), or until a process crash-loops
 * (exit 1). Whatever ends it, the apps drain first, then the infrastructure stops.
 */
export async function runClinic(
  config: MessagingConfig,
  out: Output,
  apps: readonly ClinicApp[] = CLINIC_APP_NAMES,
): Promise<number> {
  const clinic = await startClinic(config, out, apps);
  const screen = await clinic.startWeb();
  out.line('');
  out.line('The clinic is running:');
  // The apps read the same variable; their own start fails first if it is invalid.
  const docs = loadEdgeConfig('emr', '127.0.0.1', globalThis.process.env).apiDocs;
  for (const app of clinic.apps) {
    out.line(`  ${app.app.padEnd(13)} ${app.url}${docs ? `   (API docs: ${app.url}/docs)` : ''}`);
  }
  if (!docs) out.line('API docs are off; CLINIC_API_DOCS=on npm start serves them at /docs on each app.');
  out.line(
    `  ${'screen'.padEnd(13)} ${screen}   (open it in a browser; staff and passwords: npm run clinic -- staff)`,
  );
  const idp = clinic.identityProvider();
  if (idp) out.line(`  ${'sign-in'.padEnd(13)} ${idp.issuer}   (npm run clinic -- login physician)`);
  out.line('A process that stops unexpectedly is restarted. Press Ctrl-C to stop everything.');
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let onSignal: () => void = () => undefined;
  const ended = await Promise.race([
    new Promise<'signal'>((resolve) => {
      onSignal = () => resolve('signal');
      for (const s of signals) process.once(s, onSignal);
    }),
    clinic.crashLoop,
  ]);
  for (const s of signals) process.removeListener(s, onSignal);
  if (ended !== 'signal' && apps.includes(ended.process as ClinicApp)) {
    out.line(`Look at its own lines above (prefixed "${ended.process}") for the reason.`);
  }
  out.line('\nStopping the apps (draining in-flight messages), then the embedded stack...');
  await clinic.stop();
  out.line(ended === 'signal' ? 'clinic stopped' : `clinic stopped (${ended.process} kept crashing)`);
  return ended === 'signal' ? 0 : 1;
}
