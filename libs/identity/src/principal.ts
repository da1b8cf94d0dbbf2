import { isRole, type Role } from './roles';

/** The person behind a verified access token, as apps see them. No names, ids only. */
export interface Principal {
  /** The token's `sub`: who (records, events and audit entries carry it). */
  readonly subject: string;
  readonly roles: readonly Role[];
  /** Pharmacists: the pharmacy they dispense for. */
  readonly pharmacyId?: string;
  /** The sign-in session (`sid`), when the issuer puts one in access tokens. */
  readonly sessionId?: string;
  /** The OAuth client the token was issued to. */
  readonly clientId?: string;
}

/** Where the principal's facts sit in the token (they differ between issuers; see IdentityConfig). */
export interface ClaimNames {
  /** `roles` (embedded provider) or `cognito:groups`. */
  readonly roles: string;
  /** `pharmacy` (embedded provider); with Cognito, a group named `pharmacy:<id>` also counts. */
  readonly pharmacy: string;
}

const listOf = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((v): v is string => typeof v === 'string')
    : typeof value === 'string'
      ? value.split(/[\s,]+/).filter(Boolean)
      : [];

/**
 * The principal of a verified token's claims. Unknown role names are ignored (a Cognito pool may
 * hold other groups); the caller refuses a token without `sub`.
 */
export function principalOf(claims: Readonly<Record<string, unknown>>, names: ClaimNames): Principal {
  const granted = listOf(claims[names.roles]);
  const roles = [...new Set(granted.filter(isRole))];
  const pharmacyClaim = claims[names.pharmacy];
  const pharmacyGroup = granted.find((g) => g.startsWith('pharmacy:'))?.slice('pharmacy:'.length);
  const pharmacyId = typeof pharmacyClaim === 'string' && pharmacyClaim ? pharmacyClaim : pharmacyGroup;
  const str = (key: string) => (typeof claims[key] === 'string' ? claims[key] : undefined);
  return {
    subject: String(claims.sub),
    roles,
    pharmacyId,
    sessionId: str('sid'),
    clientId: str('client_id') ?? str('azp'),
  };
}
