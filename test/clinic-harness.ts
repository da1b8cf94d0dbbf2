/**
 * The whole clinic under test: a private environment with the four apps in-process (or a
 * consumer as a real process, to kill it), and small HTTP helpers.
 */
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import { CLINIC_APP_NAMES, appNamed, type ClinicApp } from '@app/clinic';
import type { AppBlueprint } from '@app/platform';
import { blueprintOf, databaseOf, registeredApp } from '../tools/clinic/app-registry';
import { startAppProcess, type AppProcess } from '../tools/clinic/app-processes';
import { freePort } from '@app/crypto-messaging/testing';
import { PortInUseError } from '@app/local-stack';
import { startClinicTestEnv, type AppUnderTest, type ClinicTestEnv } from '@app/platform/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createWebApp } from '../apps/web/src/bootstrap';
import { loadWebConfig, type WebConfig } from '../apps/web/src/web.config';

/** How to build each app in-process, by name (from the list of apps in @app/clinic). */
export const BLUEPRINTS = Object.fromEntries(
  CLINIC_APP_NAMES.map((app) => [app, blueprintOf(app)]),
) as Readonly<Record<ClinicApp, AppBlueprint>>;

export { databaseOf };

export interface Clinic {
  readonly env: ClinicTestEnv;
  readonly apps: Record<ClinicApp, AppUnderTest>;
  /** The screen (apps/web), when asked for: its URL (http://127.0.0.1:<free port>). */
  readonly screen?: { readonly url: string; readonly config: WebConfig };
  stop(): Promise<void>;
}

export interface ClinicUnderTestOptions {
  /** Identity provider settings (session lifetimes for logoff tests). */
  readonly identityEnv?: Record<string, string>;
  /** Also start the screen in-process, on a free port the provider registers as its redirect. */
  readonly screen?: boolean;
}

/**
 * Per-person rate limits (per minute) high enough for a suite that posts and polls in bulk as
 * one person: the limits are the apps' defence against a person, not what a suite measures.
 */
export const BULK_RATE_LIMITS: Readonly<Record<string, string>> = {
  CLINIC_RATE_LIMIT_READS: '100000',
  CLINIC_RATE_LIMIT_WRITES: '100000',
};

/** Starts the environment and the given apps in-process (`appEnv`: extra settings for each app). */
export async function startClinicUnderTest(
  profile: 'embedded' | 'aws',
  apps: readonly ClinicApp[] = CLINIC_APP_NAMES,
  appEnv: Record<string, string> = {},
  options: ClinicUnderTestOptions = {},
): Promise<Clinic | undefined> {
  const webPort = options.screen ? await freePort() : undefined;
  const env = await startClinicTestEnv(profile, { identityEnv: options.identityEnv, webPort });
  if (!env) return undefined;
  const started = {} as Record<ClinicApp, AppUnderTest>;
  let screen: NestExpressApplication | undefined;
  let screenConfig: WebConfig | undefined;
  try {
    for (const app of apps) started[app] = await env.startApp(BLUEPRINTS[app], databaseOf(app), appEnv);
    if (webPort) {
      const urls = Object.fromEntries(
        Object.entries(started).map(([app, s]) => [appNamed(app).urlVariable, s.url]),
      );
      screenConfig = loadWebConfig({
        ...env.env,
        ...urls,
        CLINIC_WEB_PORT: String(webPort),
        LOG_FORMAT: 'json',
      });
      screen = await createWebApp(screenConfig, { logger: false });
      await screen.listen(webPort, '127.0.0.1');
    }
  } catch (error) {
    await screen?.close();
    await env.stop();
    throw error;
  }
  return {
    env,
    apps: started,
    screen: screenConfig && { url: screenConfig.origin, config: screenConfig },
    stop: async () => {
      await screen?.close();
      await env.stop();
    },
  };
}

/** Where a process's log lines go, extra environment, and a fixed port (to restart in place). */
export interface AppProcessOptions {
  readonly line?: (line: string) => void;
  readonly env?: Readonly<Record<string, string>>;
  readonly port?: number;
}

/** How many fresh ports an app is offered when the one picked for it is taken before it binds. */
const PORT_ATTEMPTS = 3;

/**
 * Starts an app as a real process against the environment (so a test can SIGKILL it).
 *
 * Without a fixed port it gets a free one; that port can still be taken before the app binds it
 * (an outgoing connection's local port comes from the same range), so a start that fails with
 * EADDRINUSE is retried on a new port. A fixed port (a restart in place) is not changed.
 */
export async function startAppAsProcess(
  env: ClinicTestEnv,
  app: ClinicApp,
  options: AppProcessOptions = {},
): Promise<AppProcess> {
  const databaseUrl = await env.migrate(app, databaseOf(app));
  const attempts = options.port === undefined ? PORT_ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    let portTaken = false;
    const line = options.line ?? (() => undefined);
    try {
      return await startAppProcess(
        registeredApp(app),
        {
          line: (text) => {
            if (text.includes('EADDRINUSE')) portTaken = true;
            line(text);
          },
        },
        {
          ...process.env,
          ...env.env,
          DATABASE_URL: databaseUrl,
          [appNamed(app).port.variable]: String(options.port ?? (await freePort())),
          LOG_FORMAT: 'json',
          ...options.env,
        },
      );
    } catch (error) {
      // Taken before the spawn (the start's own check) or before the app bound it (its log).
      if (!(portTaken || error instanceof PortInUseError) || attempt >= attempts) throw error;
    }
  }
}

/**
 * One JSON request to an app, as the person whose access token is given (`clinic.env.token(role)`);
 * without a token the apps answer 401.
 */
export async function api<T>(
  method: string,
  url: string,
  body?: unknown,
  token?: string,
): Promise<{ status: number; body: T }> {
  const response = await fetch(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export { eventually } from '@app/crypto-messaging/testing';

/** The sealed event as the EMR's outbox holds it: the replay command's own reading of a row. */
export { SEALED_EVENT_COLUMNS, sealedEventOf } from '../tools/clinic/outbox';

export const samplePatient = SYNTHETIC_PATIENT_REQUEST;
export const sampleRecord = syntheticRecordRequest;

/**
 * How many events a consumer's log line says it took into effect: the length of `eventIds` in a
 * batch line whose message is `message` (`invoice created`, `record scheduled`, `prescription
 * transmitted`); 0 for any other line. One line stands for a whole batch (up to ten events).
 */
export function effectsInLine(line: string, message: string): number {
  if (!line.includes(message)) return 0;
  const ids = /"eventIds":\[([^\]]*)\]/.exec(line)?.[1];
  return ids ? ids.split(',').length : 0;
}
