import 'reflect-metadata';
import {
  ConsoleLogger,
  ValidationPipe,
  type DynamicModule,
  type INestApplication,
  type LoggerService,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  MessagingError,
  MessagingRuntime,
  type ConsumerTuning,
  type EncryptedSqsServer,
  type EventDefinition,
  type Profile,
} from '@app/crypto-messaging';
import { describeClinicError } from '@app/clinic';
import { AuditTrail } from './audit/audit-trail';
import { AppError, AppErrorCode, describeAppError } from './errors';
import { loadAppConfig, type AppConfig, type ClinicApp } from './config/app.config';
import { CLINIC_CONSUMER_TUNING } from './consumer-tuning';
import { ClinicExceptionsFilter } from './http/clinic-exceptions.filter';
import { API_DOCS_PATH, useHttpEdge } from './http/edge';
import { assignRequestId, useJsonBody } from './http/json-body';

/** How to build one clinic app. */
export interface AppBlueprint {
  readonly app: ClinicApp;
  readonly title: string;
  readonly description: string;
  /** The app's root module for a config. */
  readonly module: (config: AppConfig) => DynamicModule;
  /** Present for consumers: the events its `@EventPattern` handlers take. */
  readonly consumer?: { readonly events: readonly EventDefinition[]; readonly tuning?: ConsumerTuning };
}

export { CLINIC_CONSUMER_TUNING } from './consumer-tuning';

/** A built app: the HTTP application and, for consumers, the transport. */
export interface ClinicApplication {
  readonly http: INestApplication;
  readonly transport?: EncryptedSqsServer;
  readonly config: AppConfig;
}

/** Nest's own start-up chatter, hidden from the pretty (local) logs. */
const BOOT_CONTEXTS = new Set([
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestFactory',
  'NestMicroservice',
]);

/** Local logs: one line per entry, ids in place, without Nest's start-up chatter. */
class PrettyLogger extends ConsoleLogger {
  override log(message: unknown, context?: string): void {
    if (context && BOOT_CONTEXTS.has(context)) return;
    // Passed on as an explicit `undefined`, a missing context is printed as a second message
    // ("LOG undefined" after every context-less line).
    if (context === undefined) super.log(message);
    else super.log(message, context);
  }
}

/**
 * Structured JSON logs in the aws profile (one object per line, for log pipelines); compact
 * single-line logs locally. Both carry ids, never payloads.
 */
export function createLogger(config: {
  readonly app: string;
  readonly logFormat: AppConfig['logFormat'];
}): LoggerService {
  return config.logFormat === 'json'
    ? new ConsoleLogger({ json: true, prefix: config.app })
    : new PrettyLogger({
        prefix: config.app,
        colors: false,
        compact: true,
        breakLength: Infinity,
        timestamp: false,
      });
}

/**
 * Builds an app, ready to `listen`: JSON HTTP API with bounded bodies (size and depth), a global
 * ValidationPipe (whitelist, forbid unknown, transform), one exception filter that logs ids and
 * codes but never values (503 + Retry-After when the database is not answering), the hostile
 * edge (security headers, no-store, Host and Origin allowlists, CORS, JSON-only writes; see
 * http/edge.ts), OpenAPI at `/docs` when `CLINIC_API_DOCS=on`, shutdown hooks, and for consumers the encrypted SQS transport, with the app's pipes,
 * guards, interceptors and filter applied to handlers.
 */
export async function createClinicApp(
  blueprint: AppBlueprint,
  config: AppConfig,
  options: {
    logger?: LoggerService | false;
    /** Nest's own SIGTERM/SIGINT handling; off where the caller stops the app itself. Default on. */
    shutdownHooks?: boolean;
  } = {},
): Promise<ClinicApplication> {
  const http = await NestFactory.create<NestExpressApplication>(blueprint.module(config), {
    logger: options.logger ?? createLogger(config),
    abortOnError: false,
  });
  // Order matters: an id for every request, then the edge refuses what no handler should see
  // (wrong Host or Origin, non-JSON writes) before a body is read.
  http.use(assignRequestId);
  useHttpEdge(http, config.edge);
  useJsonBody(http);
  // Refused and failed requests to audited routes are recorded by the filter (the interceptor
  // records the ones that succeed).
  http.useGlobalFilters(new ClinicExceptionsFilter(http.get(AuditTrail)));
  http.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
    }),
  );
  if (options.shutdownHooks !== false) http.enableShutdownHooks();
  if (config.edge.apiDocs) {
    // Off by default: the API's map is of use to an attacker too (CLINIC_API_DOCS=on serves it).
    const document = SwaggerModule.createDocument(
      http,
      new DocumentBuilder()
        .setTitle(blueprint.title)
        .setDescription(blueprint.description)
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup(API_DOCS_PATH, http, document);
  }

  let transport: EncryptedSqsServer | undefined;
  if (blueprint.consumer) {
    const runtime = http.get(MessagingRuntime);
    transport = await runtime.consumerServer(blueprint.app, blueprint.consumer.events, {
      ...CLINIC_CONSUMER_TUNING,
      ...blueprint.consumer.tuning,
    });
    http.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  }
  return { http, transport, config };
}

/** Starts the consumer transport (if any) and the HTTP server. */
export async function startClinicApp(app: ClinicApplication): Promise<void> {
  if (app.transport) await app.http.startAllMicroservices();
  try {
    await app.http.listen(app.config.port, app.config.host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AppError(
        AppErrorCode.PortInUse,
        `Port ${app.config.port} of the ${app.config.app} app is already in use.`,
        {
          cause: error,
          fix: `Stop the other process, or set CLINIC_${app.config.app.toUpperCase()}_PORT (npm start) or PORT to a free port.`,
        },
      );
    }
    throw error;
  }
}

/** The start-up line's word on the API docs. */
export function apiDocsNote(config: Pick<AppConfig, 'edge'>): string {
  return config.edge.apiDocs
    ? `API docs at /${API_DOCS_PATH}`
    : 'API docs off; CLINIC_API_DOCS=on serves them';
}

/** The signals that stop an app: Ctrl-C in a terminal, and `npm start`'s or ECS's SIGTERM. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What {@link stopOnSignals} stops: a name for the last line, how to close, where to log. */
export interface Stoppable {
  /** `EMR`, `Clinic screen`: the last line says "<title> stopped". */
  readonly title: string;
  /** The process's short name, for a failure on stderr. */
  readonly name: string;
  readonly close: () => Promise<void>;
  readonly logger: LoggerService;
}

/**
 * Stops the process on SIGINT or SIGTERM as Nest's shutdown hooks do (consumers drain, then every
 * shutdown hook runs), then prints a last line, "<title> stopped", so a person (or `npm start`'s
 * log) sees it ended cleanly; the process then ends by the same signal, as before. The apps and
 * the screen both stop this way.
 */
export function stopOnSignals(target: Stoppable): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return; // a second Ctrl-C while draining changes nothing
    stopping = true;
    target.close().then(
      () => {
        target.logger.log(`${target.title} stopped`);
        for (const s of STOP_SIGNALS) process.removeListener(s, stop);
        process.kill(process.pid, signal);
      },
      (error: unknown) => {
        process.stderr.write(`[${target.name}] failed to stop cleanly: ${(error as Error).name}\n`);
        process.exit(1);
      },
    );
  };
  for (const s of STOP_SIGNALS) process.on(s, stop);
}

/** `main.ts` of every app: build from the environment, start, and fail with a clear message. */
export function runClinicApp(blueprint: AppBlueprint): void {
  // Until the settings are read, a failure is rendered for the default (embedded) profile.
  let profile: Profile = 'embedded';
  const start = async () => {
    const config = loadAppConfig(blueprint.app);
    profile = config.messaging.profile;
    const app = await createClinicApp(blueprint, config, { shutdownHooks: false });
    stopOnSignals({
      title: blueprint.title,
      name: config.app,
      close: () => app.http.close(),
      logger: createLogger(config),
    });
    await startClinicApp(app);
    createLogger(config).log(
      `${blueprint.title} listening on http://${config.host}:${config.port} (${apiDocsNote(config)})${blueprint.consumer ? `, consuming queue ${config.messaging.prefix}-${blueprint.app}` : ''}`,
    );
  };
  start().catch((error: unknown) => {
    // The library's errors carry a fix in its own terms: say it in the clinic's commands.
    const message =
      error instanceof AppError
        ? describeAppError(error)
        : error instanceof MessagingError
          ? describeClinicError(error, profile)
          : `${(error as Error).name}: ${(error as Error).message}`;
    process.stderr.write(`[${blueprint.app}] failed to start: ${message}\n`);
    process.exit(1);
  });
}
