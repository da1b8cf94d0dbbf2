import type { AwsClients } from '../config/aws-clients';
import type { Profile } from '../config/messaging.config';
import type { KeyPrincipals } from '../plan/policies';
import type { MessagingTopology } from '../topology/topology.types';

/** Result of one check. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One finding: which resource, what is wrong (or right), and how to fix it. */
export interface DoctorCheck {
  /** Stable id (`queue.encryption`), for tests, docs and workshop labs. */
  readonly id: string;
  readonly status: CheckStatus;
  /** `<kind> <name>` as in the provisioning report, e.g. `queue shop-shipping`. */
  readonly resource: string;
  readonly message: string;
  /** Present on every warn and fail. */
  readonly fix?: string;
}

/** All findings; `ok` is false when any check failed. */
export interface DoctorReport {
  readonly checks: readonly DoctorCheck[];
  readonly ok: boolean;
}

/**
 * How the application that adopts the library names two steps in its fixes: the library
 * knows no application command or variable, so by default it says them in its own terms.
 */
export interface DoctorHints {
  /** How to re-run provisioning, as the application says it (its CLI command). Default `re-run provisioning`. */
  readonly provision?: string;
  /** How to select the aws profile (the application's setting). Default `the aws profile`. */
  readonly awsProfile?: string;
}

/** Options of `runDoctor`. */
export interface DoctorOptions {
  readonly topology: MessagingTopology;
  readonly clients: Pick<AwsClients, 'sns' | 'sqs' | 'kms'>;
  readonly profile: Profile;
  /** The endpoint the clients talk to (`undefined` = AWS itself). */
  readonly endpoint: string | undefined;
  /** The principals the key policies should name; the account root where not given. */
  readonly principals?: KeyPrincipals;
  readonly hints?: DoctorHints;
}
