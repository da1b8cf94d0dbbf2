/**
 * What the clinic knows of each of its processes (its blueprint), and how a blueprint is made
 * from a name by the repository's conventions. The list itself is in apps.ts.
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
      /**
       * What its subscription adds to "every patient-record event": routing attributes and the
       * values it takes (`{ billable: ['true'] }`). Empty: every patient record.
       */
      readonly onlyWhen: Readonly<Record<string, readonly string[]>>;
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

/** A process's blueprint from its name, by the repository's conventions. */
export const defineProcess = <N extends string>(
  name: N,
  title: string,
  defaultPort: number,
): ProcessBlueprint<N> => ({
  name,
  title,
  port: { default: defaultPort, variable: `CLINIC_${name.toUpperCase()}_PORT` },
  entry: { source: `apps/${name}/src/main.ts`, dist: `dist/apps/${name}/src/main.js` },
});

/**
 * An app's blueprint from its name, by the repository's conventions: its port variable
 * `CLINIC_<NAME>_PORT`, entry point `apps/<name>/src/main.ts`, database `<name>` with login
 * `<name>_app`, URL variable `CLINIC_<NAME>_URL`.
 */
export const defineApp = <N extends string, R extends MessagingRole>(
  name: N,
  title: string,
  defaultPort: number,
  messaging: R,
): ClinicAppBlueprint<N, R> => ({
  ...defineProcess(name, title, defaultPort),
  database: { name, login: `${name}_app` },
  messaging,
  urlVariable: `CLINIC_${name.toUpperCase()}_URL`,
});

/** The role of the app that publishes patient records. */
export const PUBLISHES = { role: 'publisher' } as const;

/**
 * The role of an app that consumes its queue of the topology: every patient-record event, or
 * only those whose routing attributes match `onlyWhen` (its subscription's filter policy).
 */
export const consumes = <Q extends string>(
  queue: Q,
  onlyWhen: Readonly<Record<string, readonly string[]>> = {},
) => ({ role: 'consumer', queue, onlyWhen }) as const;
