/** One process per system, as in production; the ports match docker-compose.yml and the apps. */
export const APP_PORTS = {
  emr: 3000,
  billing: 3001,
  scheduling: 3002,
  prescription: 3003,
} as const;

/** Name of one of the four clinic applications. */
export type AppName = keyof typeof APP_PORTS;

/** Every app answers this on its port; the container health check and compose use it. */
export const HEALTH_PATH = '/health';

/** An app's compiled entry point (built by `npm run build` into dist/). */
export function appEntrypoint(app: AppName): string {
  return `dist/apps/${app}/src/main.js`;
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
