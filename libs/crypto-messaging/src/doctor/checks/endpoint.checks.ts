import type { Profile } from '../../config/messaging.config';
import { fail, pass, warn, type CheckRow } from '../engine';

/** Where the doctor talks to, and in which profile. */
export interface EndpointSubject {
  readonly resource: string;
  readonly profile: Profile;
  /** `undefined` = AWS itself. */
  readonly endpoint: string | undefined;
  /** The embedded broker or a local emulator: nothing enforces policies or KMS there. */
  readonly local: boolean;
}

/** A queue's filter policy against the attribute allowlist (architecture notes: 7). */
export interface PhiSubject {
  readonly resource: string;
  readonly names: readonly string[];
  readonly unknown: readonly string[];
}

/** Where we are (architecture notes: 8): emulators enforce neither policies nor KMS. */
export const ENDPOINT_CHECKS: readonly CheckRow<EndpointSubject>[] = [
  {
    id: 'endpoint.enforcement',
    test: (s) => {
      if (s.local) {
        return warn(
          s.profile === 'embedded'
            ? 'embedded profile: the local broker enforces no key or queue policy and there is no KMS, so ' +
                'KmsMasterKeyId is a name only; each body is envelope-encrypted with the local master key'
            : 'a local emulator: it enforces no key policy, queue policy or key state, so passing here proves the configuration, not the enforcement',
        );
      }
      if (s.endpoint && new URL(s.endpoint).protocol !== 'https:') return undefined;
      return pass('AWS endpoint over TLS: key and resource policies are enforced');
    },
    fix: (_, f) =>
      `run the doctor against the real AWS account before go-live (${f.awsProfile}, no AWS_ENDPOINT_URL)`,
  },
  {
    id: 'endpoint.tls',
    test: (s) =>
      !s.local && s.endpoint && new URL(s.endpoint).protocol !== 'https:'
        ? fail('a remote endpoint over plain HTTP: requests and credentials travel unencrypted')
        : undefined,
    fix: () => 'use the https:// endpoint (or unset AWS_ENDPOINT_URL for AWS itself)',
  },
];

/** Attributes and subjects are plaintext: statically, routing may use only the allowlist. */
export const PHI_CHECKS: readonly CheckRow<PhiSubject>[] = [
  {
    id: 'phi.filter-attributes',
    test: (s) =>
      s.unknown.length === 0
        ? pass(
            `filter policy routes only on allowlisted, PHI-free attributes (${s.names.join(', ')}); subjects, attribute values and encryption context are guarded at publish time`,
          )
        : warn(
            `filter policy routes on attributes outside the allowlist (${s.unknown.join(', ')}): attributes are plaintext and must never carry PHI`,
          ),
    fix: () =>
      'route only on allowlisted attribute names, or add a PHI-free name to the allowlist after review',
  },
];
