/**
 * The clinic's processes, listed once. Everything that names the apps (their ports, databases,
 * entry points, who publishes and who consumes) derives from this list: the CLI and `npm start`,
 * the test environment and harnesses, the bench, docker-compose.yml and the CDK stack.
 * Adding a consumer is its own folder (apps/<name>, with the conventional files) plus one line
 * in {@link CLINIC_APPS}. This file imports nothing: any package may read it.
 */

/** Where a process listens: its default TCP port and the variable that overrides it. */
export interface PortSetting {
  readonly default: number;
  /** `CLINIC_<NAME>_PORT`. */
  readonly variable: string;
}

/** A process's entry point, relative to the repository root. */
export interface EntryPoint {
  /** TypeScript source, run with the SWC register hook (`npm start`, tests). */
  readonly source: string;
  /** Compiled by `npm run build` (containers, ECS). */
  readonly dist: string;
}

/** An app's own PostgreSQL database and the login it uses (never the administrator). */
export interface DatabaseSetting {
  readonly name: string;
  readonly login: string;
}

/** How an app takes part in messaging: it publishes patient records, or consumes its queue. */
export type MessagingRole =
  | { readonly role: 'publisher' }
  | {
      readonly role: 'consumer';
      /** The consumer's name in the topology (its queue is `<prefix>-<queue>`). */
      readonly queue: string;
    };

/** A process of the clinic: its name, title, port and entry point. */
export interface ProcessBlueprint<N extends string = string> {
  readonly name: N;
  /** For people: "Billing". */
  readonly title: string;
  readonly port: PortSetting;
  readonly entry: EntryPoint;
}

/** One app of the clinic: a process with its own database and a role in messaging. */
export interface ClinicAppBlueprint<
  N extends string = string,
  R extends MessagingRole = MessagingRole,
> extends ProcessBlueprint<N> {
  readonly database: DatabaseSetting;
  readonly messaging: R;
  /** Where the screen finds the app when it is not on loopback: `CLINIC_<NAME>_URL`. */
  readonly urlVariable: string;
}

const processOf = <N extends string>(name: N, title: string, defaultPort: number): ProcessBlueprint<N> => ({
  name,
  title,
  port: { default: defaultPort, variable: `CLINIC_${name.toUpperCase()}_PORT` },
  entry: { source: `apps/${name}/src/main.ts`, dist: `dist/apps/${name}/src/main.js` },
});

const appOf = <N extends string, R extends MessagingRole>(
  name: N,
  title: string,
  defaultPort: number,
  messaging: R,
): ClinicAppBlueprint<N, R> => ({
  ...processOf(name, title, defaultPort),
  database: { name, login: `${name}_app` },
  messaging,
  urlVariable: `CLINIC_${name.toUpperCase()}_URL`,
});

const publishes = { role: 'publisher' } as const;
const consumes = <Q extends string>(queue: Q) => ({ role: 'consumer', queue }) as const;

/** The clinic's apps, in start order: the publisher first, then the consumers. */
export const CLINIC_APPS = [
  appOf('emr', 'EMR', 3000, publishes),
  appOf('billing', 'Billing', 3001, consumes('billing')),
  appOf('scheduling', 'Scheduling', 3002, consumes('scheduling')),
  appOf('prescription', 'Prescription', 3003, consumes('prescription')),
] as const;

/** The blueprint of any clinic app. */
export type ClinicAppEntry = (typeof CLINIC_APPS)[number];
/** The name of one clinic app: `'emr' | 'billing' | ...`. */
export type ClinicApp = ClinicAppEntry['name'];
/** The name of one consuming app. */
export type ClinicConsumer = Extract<ClinicAppEntry, { messaging: { role: 'consumer' } }>['name'];

/** The clinic's screen (apps/web): a process of its own, with no database and no messaging. */
export const CLINIC_SCREEN: ProcessBlueprint<'web'> = processOf('web', 'Screen', 8080);

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
  ClinicAppBlueprint<ClinicConsumer, { role: 'consumer'; queue: string }>
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
