/** @app/platform: what every clinic app shares (config, database, health, bootstrap). */
export * from './config/app.config';
export * from './database/processed-event.entity';
export * from './database/claim-event';
export { runOnce, type EventConsumer, type OnceOutcome } from './database/run-once';
export * from './database/data-source.factory';
export * from './database/app-login';
export * from './messaging/messaging-probe';
export * from './messaging/queue.probe';
export * from './health/health.controller';
export * from './platform.module';
export * from './bootstrap';
export * from './http';
export * from './auth';
export * from './audit';
export * from './journey';
export type { DoctorAnswer } from './health/doctor.controller';
export { AppError, AppErrorCode, describeAppError, type AppErrorOptions } from './errors';
