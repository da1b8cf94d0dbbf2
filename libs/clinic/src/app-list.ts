/** Questions asked of the list of apps (apps.ts): by name, by role, their ports and databases. */
import type { ClinicAppBlueprint, MessagingRole } from './app-blueprint';
import { CLINIC_APPS } from './apps';

/** The blueprint of any clinic app. */
export type ClinicAppEntry = (typeof CLINIC_APPS)[number];
/** The name of one clinic app: `'emr' | 'billing' | ...`. */
export type ClinicApp = ClinicAppEntry['name'];
/** The name of one consuming app. */
export type ClinicConsumer = Extract<ClinicAppEntry, { messaging: { role: 'consumer' } }>['name'];

/** The names of the apps, in start order. */
export const CLINIC_APP_NAMES: readonly ClinicApp[] = CLINIC_APPS.map((a) => a.name);

/** True for the name of a clinic app. */
export function isClinicApp(name: string): name is ClinicApp {
  return (CLINIC_APP_NAMES as readonly string[]).includes(name);
}

/** The blueprint of the app named `name`; a TypeError naming the known apps otherwise. */
export function appNamed(name: string): ClinicAppBlueprint<ClinicApp> {
  const found = CLINIC_APPS.find((a) => a.name === name);
  if (!found) throw new TypeError(`Unknown app "${name}": one of ${CLINIC_APP_NAMES.join(', ')}`);
  return found;
}

/** The app that publishes patient records. */
export function publisherApp(): ClinicAppBlueprint<ClinicApp, { role: 'publisher' }> {
  const [publisher] = CLINIC_APPS.filter(
    (a): a is Extract<ClinicAppEntry, { messaging: { role: 'publisher' } }> =>
      a.messaging.role === 'publisher',
  );
  return publisher;
}

/** The consuming apps, in start order. */
export function consumers(): ReadonlyArray<
  ClinicAppBlueprint<ClinicConsumer, Extract<MessagingRole, { role: 'consumer' }>>
> {
  return CLINIC_APPS.filter(
    (a): a is Extract<ClinicAppEntry, { messaging: { role: 'consumer' } }> => a.messaging.role === 'consumer',
  );
}

/** The names of the consuming apps, in start order. */
export function consumerNames(): readonly ClinicConsumer[] {
  return consumers().map((c) => c.name);
}

/** The apps' databases (each app owns one), in start order. */
export function databaseNames(): string[] {
  return CLINIC_APPS.map((a) => a.database.name);
}

/** Default port of each app, by name. */
export function defaultPorts(): Readonly<Record<ClinicApp, number>> {
  return Object.fromEntries(CLINIC_APPS.map((a) => [a.name, a.port.default])) as Record<ClinicApp, number>;
}
