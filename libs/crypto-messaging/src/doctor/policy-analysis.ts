/**
 * Static analysis of live IAM policies (key, topic and queue policies). Deliberately small:
 * it answers the few questions the doctor asks, reading Allow/Deny, principals, actions,
 * resources and the conditions that matter here (`aws:SourceArn`, `aws:SecureTransport`).
 * It is not a general IAM evaluator; where it cannot tell, it says so rather than pass.
 */
import { SNS_SERVICE_PRINCIPAL, parseArn, type PolicyDocument, type PolicyStatement } from '../plan/policies';

/** Parses a policy document; undefined when absent or not a policy. */
export function parsePolicy(text: string | undefined): PolicyDocument | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(text) as { Statement?: unknown };
    if (parsed === null || typeof parsed !== 'object') return undefined;
    const raw = parsed.Statement;
    const statements = Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? [raw] : [];
    return { ...(parsed as PolicyDocument), Statement: statements as PolicyStatement[] };
  } catch {
    return undefined;
  }
}

const list = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** IAM-style wildcard match (`*`, `?`), case-insensitive as IAM actions are. */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = true): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, caseInsensitive ? 'i' : '').test(value);
}

function coversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined)
    return !list(statement.NotAction).some((p) => wildcardMatch(p, action));
  return list(statement.Action).some((p) => wildcardMatch(p, action));
}

function coversResource(statement: PolicyStatement, resource: string | undefined): boolean {
  if (resource === undefined || statement.Resource === undefined) return true;
  return list(statement.Resource).some((p) => wildcardMatch(p, resource, false));
}

/** A principal as a policy names it. */
export type Principal = { readonly aws: string } | { readonly service: string } | '*';

function principalEntries(statement: PolicyStatement): { aws: string[]; service: string[]; anyone: boolean } {
  const p = statement.Principal;
  if (p === undefined) return { aws: [], service: [], anyone: false };
  if (p === '*') return { aws: [], service: [], anyone: true };
  const aws = list(p.AWS);
  return { aws, service: list(p.Service), anyone: aws.includes('*') };
}

/** How a statement admits a principal: by name, through the account root (IAM decides), or not. */
type Admission = 'direct' | 'via-root' | 'none';

function admits(statement: PolicyStatement, principal: Principal): Admission {
  const entries = principalEntries(statement);
  if (entries.anyone) return 'direct';
  if (principal === '*') return 'none';
  if ('service' in principal) return entries.service.includes(principal.service) ? 'direct' : 'none';
  if (entries.aws.includes(principal.aws)) return 'direct';
  const account = accountOf(principal.aws);
  if (account === undefined) return 'none';
  const viaRoot = entries.aws.some((a) => a === account || (a.endsWith(':root') && accountOf(a) === account));
  return viaRoot ? 'via-root' : 'none';
}

function accountOf(principalArn: string): string | undefined {
  if (/^\d{12}$/.test(principalArn)) return principalArn;
  try {
    return parseArn(principalArn).accountId || undefined;
  } catch {
    return undefined;
  }
}

/** Values a statement's conditions give a key (e.g. `aws:SourceArn`), by operator. */
function conditionValues(statement: PolicyStatement, key: string): { operator: string; values: string[] }[] {
  const out: { operator: string; values: string[] }[] = [];
  for (const [operator, entries] of Object.entries(statement.Condition ?? {})) {
    for (const [k, v] of Object.entries(entries)) {
      if (k.toLowerCase() === key.toLowerCase()) {
        out.push({ operator, values: (Array.isArray(v) ? v : [v]).map(String) });
      }
    }
  }
  return out;
}

/** Outcome of "may this principal do these actions", per the key/resource policy alone. */
export type GrantStatus =
  /** Every action is allowed by name (or to anyone). */
  | 'granted'
  /** Allowed only through the account root statement: IAM policies decide. */
  | 'delegated-to-iam'
  /** At least one action has no Allow, or an unconditional Deny covers it. */
  | 'missing';

/**
 * Whether a policy lets `principal` perform every one of `actions` (on `resource` when given).
 * Conditions on Allow statements are ignored here (use {@link serviceGrant} for SNS), an
 * unconditional Deny that admits the principal wins.
 */
export function grantFor(
  policy: PolicyDocument | undefined,
  principal: Principal,
  actions: readonly string[],
  resource?: string,
): GrantStatus {
  if (!policy) return 'missing';
  let delegated = false;
  for (const action of actions) {
    const relevant = policy.Statement.filter((s) => coversAction(s, action) && coversResource(s, resource));
    const denied = relevant.some(
      (s) => s.Effect === 'Deny' && !s.Condition && admits(s, principal) !== 'none',
    );
    if (denied) return 'missing';
    const admissions = relevant.filter((s) => s.Effect === 'Allow').map((s) => admits(s, principal));
    if (admissions.includes('direct')) continue;
    if (admissions.includes('via-root')) {
      delegated = true;
      continue;
    }
    return 'missing';
  }
  return delegated ? 'delegated-to-iam' : 'granted';
}

/** Outcome of "may this AWS service act on behalf of this source". */
export type ServiceGrantStatus =
  /** Allowed, with `aws:SourceArn` pinned to the expected source. */
  | 'scoped'
  /** Allowed for any source: works, but any topic in any account could use the grant. */
  | 'unscoped'
  /** Allowed only for other sources (another topic). */
  | 'other-source'
  | 'missing';

/**
 * Whether a policy lets a service principal (`sns.amazonaws.com`) perform every action on
 * behalf of `sourceArn`, as `aws:SourceArn` conditions would decide.
 */
export function serviceGrant(
  policy: PolicyDocument | undefined,
  service: string,
  actions: readonly string[],
  sourceArn: string,
  resource?: string,
): ServiceGrantStatus {
  if (!policy) return 'missing';
  const perAction = actions.map((action): ServiceGrantStatus => {
    const allows = policy.Statement.filter(
      (s) =>
        s.Effect === 'Allow' &&
        coversAction(s, action) &&
        coversResource(s, resource) &&
        admits(s, { service }) === 'direct',
    );
    if (allows.length === 0) return 'missing';
    let otherSource = false;
    for (const statement of allows) {
      const source = conditionValues(statement, 'aws:SourceArn');
      if (source.length === 0) return 'unscoped';
      const matches = source.every(({ operator, values }) =>
        values.some((v) => (/like/i.test(operator) ? wildcardMatch(v, sourceArn, false) : v === sourceArn)),
      );
      if (matches) return 'scoped';
      otherSource = true;
    }
    return otherSource ? 'other-source' : 'missing';
  });
  // The weakest action decides.
  const order: ServiceGrantStatus[] = ['missing', 'other-source', 'unscoped', 'scoped'];
  return order.find((status) => perAction.includes(status)) ?? 'missing';
}

/** SNS's grant on a key for this topic. */
export function snsKeyGrant(policy: PolicyDocument | undefined, topicArn: string): ServiceGrantStatus {
  return serviceGrant(policy, SNS_SERVICE_PRINCIPAL, ['kms:GenerateDataKey', 'kms:Decrypt'], topicArn);
}

/** SNS's grant to send into a queue for this topic. */
export function snsQueueGrant(
  policy: PolicyDocument | undefined,
  queueArn: string,
  topicArn: string,
): ServiceGrantStatus {
  return serviceGrant(policy, SNS_SERVICE_PRINCIPAL, ['sqs:SendMessage'], topicArn, queueArn);
}

/**
 * True when a Deny for everyone on `aws:SecureTransport` = false covers every one of `actions`:
 * the policy refuses plain-HTTP requests.
 */
export function deniesInsecureTransport(
  policy: PolicyDocument | undefined,
  actions: readonly string[],
): boolean {
  if (!policy) return false;
  const httpsOnly = policy.Statement.filter((s) => {
    if (s.Effect !== 'Deny' || !principalEntries(s).anyone) return false;
    return conditionValues(s, 'aws:SecureTransport').some(
      ({ operator, values }) =>
        /^Bool(IfExists)?$/i.test(operator) && values.some((v) => v.toLowerCase() === 'false'),
    );
  });
  return actions.every((action) => httpsOnly.some((s) => coversAction(s, action)));
}

/** Allow statements open to anyone with no condition at all (for example `Principal: "*"`). */
export function openAllowStatements(policy: PolicyDocument | undefined): PolicyStatement[] {
  if (!policy) return [];
  return policy.Statement.filter((s) => s.Effect === 'Allow' && principalEntries(s).anyone && !s.Condition);
}

/**
 * Attribute names a filter policy routes on (scope `MessageAttributes`), including names
 * nested under `$or`. Values are never returned: they could be anything.
 */
export function filterPolicyAttributeNames(filterPolicy: unknown): string[] {
  const names = new Set<string>();
  const visit = (node: unknown) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
      if (key === '$or' && Array.isArray(value)) value.forEach(visit);
      else names.add(key);
    }
  };
  visit(filterPolicy);
  return [...names].sort();
}

/** True for endpoints on this machine (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`, `0.0.0.0`). */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  let host: string;
  try {
    host = new URL(endpoint).hostname.toLowerCase();
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, '');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '::1' ||
    host === '0.0.0.0' ||
    host === '::ffff:127.0.0.1'
  );
}
