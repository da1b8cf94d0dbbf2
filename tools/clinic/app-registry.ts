/**
 * The clinic apps as the tools see them, derived from the list in @app/clinic: each app's
 * database (for migrations), entry point (for `npm start`) and blueprint (to build it in-process:
 * tests, bench). An app's parts are found by convention in its own folder, so that a new app
 * adds no line here:
 *   apps/<name>/src/database/<name>.database.ts exports `<name>Database`;
 *   apps/<name>/src/<name>.blueprint.ts exports `<name>Blueprint`.
 * Tools may import apps; apps never import each other.
 */
import * as path from 'node:path';
import { CLINIC_APPS, type ClinicApp } from '@app/clinic';
import type { AppBlueprint, AppDatabase } from '@app/platform';

export interface RegisteredApp {
  readonly app: ClinicApp;
  readonly database: AppDatabase;
  /** TypeScript entry point, run with the SWC register hook. */
  readonly entry: string;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** One named export of a module in an app's source folder (`.ts` from source, `.js` in dist/). */
function partOf<T extends object>(app: ClinicApp, file: string, exported: string): T {
  const where = `apps/${app}/src/${file}`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- found by convention (see above), so adding an app adds no import here
  const loaded = require(path.join(ROOT, where)) as Record<string, unknown>;
  const part = loaded[exported];
  if (typeof part !== 'object' || part === null) throw new TypeError(`${where} must export ${exported}`);
  return part as T;
}

/** An app's own database: entities and reviewed migrations. */
export function databaseOf(app: ClinicApp): AppDatabase {
  return partOf<AppDatabase>(app, `database/${app}.database`, `${app}Database`);
}

/** How to build an app in-process (`createClinicApp`). */
export function blueprintOf(app: ClinicApp): AppBlueprint {
  return partOf<AppBlueprint>(app, `${app}.blueprint`, `${app}Blueprint`);
}

export const APPS: readonly RegisteredApp[] = CLINIC_APPS.map((a) => ({
  app: a.name,
  // Read on first use: `doctor` or `staff` need no database classes.
  get database() {
    return databaseOf(a.name);
  },
  entry: path.join(ROOT, a.entry.source),
}));

/** The registered app named `app`. */
export function registeredApp(app: ClinicApp): RegisteredApp {
  return APPS.find((a) => a.app === app)!;
}
