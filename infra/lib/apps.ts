import { appNamed, defaultPorts, type ClinicApp } from '@app/clinic';

/**
 * One process per system, as in production: each app's port, from the list of apps in
 * @app/clinic (docker-compose.yml and the apps use the same).
 */
export const APP_PORTS = defaultPorts();

/** Name of one of the clinic applications. */
export type AppName = ClinicApp;

/** Every app answers this on its port; the container health check and compose use it. */
export const HEALTH_PATH = '/health';

/** An app's compiled entry point (built by `npm run build` into dist/). */
export function appEntrypoint(app: AppName): string {
  return appNamed(app).entry.dist;
}

/** The compiled clinic CLI (`provision`, `doctor`, `migrate` ...). */
export const CLI_ENTRYPOINT = 'dist/tools/clinic/main.js';

/**
 * An app's own reviewed migrations (never `synchronize`). Needs DATABASE_URL (the admin login);
 * with CLINIC_APP_DB_USER and CLINIC_APP_DB_PASSWORD it also creates or updates the app's own
 * database login and its grants.
 */
export function appMigrateCommand(app: AppName): string {
  return `exec node ${CLI_ENTRYPOINT} migrate --app ${app}`;
}

/** The app itself. Needs DATABASE_URL (the app's own login). */
export function appRunCommand(app: AppName): string {
  return `exec node ${appEntrypoint(app)}`;
}

/**
 * The shell command a single container runs for an app (docker-compose): its migrations first,
 * then the app. On AWS the two are separate containers, so that the app never holds the admin
 * credentials (infra/lib/services.ts).
 */
export function appStartCommand(app: AppName): string {
  return `node ${CLI_ENTRYPOINT} migrate --app ${app} && exec node ${appEntrypoint(app)}`;
}

/**
 * A container health check that needs nothing but Node (no curl in a slim image): Node has
 * `fetch`. Exit code 0 is healthy.
 */
export function nodeHealthCheckScript(): string {
  return `fetch('http://127.0.0.1:'+process.env.PORT+'${HEALTH_PATH}').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))`;
}
