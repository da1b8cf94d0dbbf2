/** @app/platform: what every clinic app shares (config, database, health, bootstrap). */
export {
  type AppConfig,
  appPortOf,
  type ClinicApp,
  databasePoolSizeOf,
  type EdgeConfig,
  embeddedDatabaseUrl,
  loadAppConfig,
  loadEdgeConfig,
  portSettingOf,
} from './config/app.config';
export { createProcessedEventsTable, ProcessedEvent } from './database/processed-event.entity';
export { Coalescer, type GroupRun, type ItemOutcome } from './database/coalescer';
export { runBatchOnce, type BatchOnceOptions } from './database/run-batch-once';
export { type BatchEvent, type BatchRun, type EventConsumer } from './database/run-batch-once-core';
export {
  type BatchStatement,
  type OneStatementBatchRun,
  runBatchOnceInOneStatement,
} from './database/run-batch-once-in-one-statement';
export {
  type AppDatabase,
  type DatabaseDeadlines,
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  DB_POOL_MAX,
  dataSourceOptions,
  runMigrations,
} from './database/data-source.factory';
export { pgPoolOf, withPgClient } from './database/pg-client';
export { DedicatedConnection } from './database/dedicated-connection';
export { isDatabaseUnavailable } from './http/database-unavailable';
export { PoolProgress } from './database/pool-progress';
export { serverSqlStateOf } from './database/server-error';
export { preparedNameOf, queryPrepared, type PreparedTarget } from './database/prepared-query';
export { type AppLogin, type AppLoginReport, ensureAppLogin } from './database/app-login';
export { MessagingProbe } from './messaging/messaging-probe';
export { QueueProbe } from './messaging/queue.probe';
export { recordEventsOf } from './messaging/record-events';
export { withTimeout } from './health/health.controller';
export { PlatformModule, type PlatformOptions } from './platform.module';
export {
  type AppBlueprint,
  type ClinicApplication,
  createClinicApp,
  createLogger,
  runClinicApp,
  startClinicApp,
  stopOnSignals,
  type Stoppable,
} from './bootstrap';
export { IsCalendarDate, IsCalendarDateTime, IsPlainText, parseCalendarDate, uuidParam } from './http';
export {
  ACCESS_METADATA,
  type AccessRule,
  Allow,
  AUDIT_METADATA,
  Audited,
  type AuditSpec,
  CurrentPrincipal,
  type DeclaredRoute,
  declaredRoutesOf,
} from './auth';
export {
  AUDIT_SELECT,
  AuditEntries1796000000000,
  auditEntryHash,
  type AuditRow,
  auditRowOf,
  AuditTrail,
  listAuditEntries,
  verifyAuditChain,
} from './audit';
export { type ConsumerJourney, ObservationRing } from './journey';
export type { DoctorAnswer } from './health/doctor.controller';
export { AppError, AppErrorCode, describeAppError, type AppErrorOptions } from './errors';
