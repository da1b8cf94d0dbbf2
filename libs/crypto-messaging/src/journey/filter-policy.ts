import type { FilterPolicy } from '../topology/topology.types';

/** Whether a subscription's filter policy admits a message, and why, in words. */
export interface FilterVerdict {
  readonly admitted: boolean;
  /** The first attribute that kept it out, or that every condition matched. PHI-free. */
  readonly why: string;
}

/**
 * Evaluates an SNS filter policy (attribute scope) against a message's String attributes, as
 * SNS does: every key must match (AND), any of a key's conditions may (OR). Supports exact
 * strings, `prefix`, `suffix`, `anything-but` (value, list or `{ prefix }`), `exists`,
 * `equals-ignore-case` and `numeric` comparisons. An unsupported condition never matches, so
 * a policy this does not understand is reported as keeping the message out, not as admitting it.
 */
export function evaluateFilterPolicy(
  policy: FilterPolicy,
  attributes: Readonly<Record<string, string>>,
): FilterVerdict {
  for (const [name, conditions] of Object.entries(policy)) {
    const list = Array.isArray(conditions) ? (conditions as unknown[]) : [conditions];
    const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    if (!list.some((condition) => matches(condition, value))) {
      const shown = value === undefined ? 'absent' : `"${value}"`;
      return { admitted: false, why: `${name} is ${shown}; the policy wants ${JSON.stringify(conditions)}` };
    }
  }
  const names = Object.keys(policy);
  return {
    admitted: true,
    why: names.length === 0 ? 'no filter policy: every message' : `matched on ${names.join(', ')}`,
  };
}

function matches(condition: unknown, value: string | undefined): boolean {
  if (typeof condition === 'string') return value === condition;
  if (typeof condition === 'number') return value !== undefined && Number(value) === condition;
  if (typeof condition !== 'object' || condition === null) return false;
  const c = condition as Record<string, unknown>;
  if ('exists' in c) return (value !== undefined) === c.exists;
  if (value === undefined) return false;
  if (typeof c.prefix === 'string') return value.startsWith(c.prefix);
  if (typeof c.suffix === 'string') return value.endsWith(c.suffix);
  if (typeof c['equals-ignore-case'] === 'string') {
    return value.toLowerCase() === c['equals-ignore-case'].toLowerCase();
  }
  if ('anything-but' in c) {
    const but = c['anything-but'];
    if (Array.isArray(but)) return !but.some((b) => String(b) === value);
    if (typeof but === 'object' && but !== null && typeof (but as { prefix?: unknown }).prefix === 'string') {
      return !value.startsWith((but as { prefix: string }).prefix);
    }
    return String(but) !== value;
  }
  if (Array.isArray(c.numeric)) return numericMatches(c.numeric as unknown[], Number(value));
  return false;
}

function numericMatches(terms: unknown[], n: number): boolean {
  if (Number.isNaN(n)) return false;
  for (let i = 0; i + 1 < terms.length; i += 2) {
    const [op, bound] = [terms[i], Number(terms[i + 1])];
    const ok =
      op === '='
        ? n === bound
        : op === '<'
          ? n < bound
          : op === '<='
            ? n <= bound
            : op === '>'
              ? n > bound
              : op === '>='
                ? n >= bound
                : false;
    if (!ok) return false;
  }
  return terms.length >= 2;
}
