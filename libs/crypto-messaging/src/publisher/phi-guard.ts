import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';

/** Kinds of identifier the guard recognises (HIPAA Safe Harbor identifiers that fit in a short value). */
export type PhiKind = 'email' | 'ssn' | 'date-of-birth' | 'phone' | 'mrn' | 'person-name';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const DETECTORS: ReadonlyArray<readonly [PhiKind, RegExp]> = [
  ['email', /[^\s@]+@[^\s@]+\.[^\s@]{2,}/],
  ['ssn', /(?<![\d-])\d{3}[- ]?\d{2}[- ]?\d{4}(?![\d-])/],
  // 1987-04-12, 1987/04/12, 04/12/1987, 12.04.1987
  ['date-of-birth', /\b(?:1[89]|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])\b/],
  ['date-of-birth', /\b(?:0?[1-9]|[12]\d|3[01])[-/.](?:0?[1-9]|[12]\d|3[01])[-/.](?:1[89]|20)\d{2}\b/],
  ['phone', /(?<!\w)(?:\+?\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)/],
  ['mrn', /\bMRN\b|\bmedical[\s_-]*record[\s_-]*(?:number|no)\b/i],
  // A long run of digits is an identifier of someone or something: refuse it.
  ['mrn', /(?<!\d)\d{6,}(?!\d)/],
  // Two or more capitalised words in a row look like a person's name ("Jane Doe").
  ['person-name', /\b[A-Z][a-z]+(?:[ '-]+[A-Z][a-z]+)+\b/],
];

/** The kind of PHI a value looks like, or `undefined`. UUIDs (event ids) are known safe. */
export function detectPhi(value: string): PhiKind | undefined {
  if (UUID.test(value)) return undefined;
  for (const [kind, pattern] of DETECTORS) if (pattern.test(value)) return kind;
  return undefined;
}

/** Where a refused value was going to travel. */
export type PlaintextField = 'attribute' | 'subject' | 'encryption-context';

const LABEL: Record<PlaintextField, (name: string) => string> = {
  attribute: (name) => `Message attribute "${name}"`,
  subject: () => 'The subject',
  'encryption-context': (name) => `Encryption context entry "${name}"`,
};

/** An attribute, subject or context value that looks like PHI, or an attribute not allowed. */
export class PhiRefusedError extends MessagingError {
  constructor(
    readonly field: PlaintextField,
    readonly fieldName: string,
    readonly kind: PhiKind | 'not-allowlisted',
  ) {
    super(
      MessagingErrorCode.PhiRefused,
      kind === 'not-allowlisted'
        ? `${LABEL[field](fieldName)} is not on the allowlist: attributes travel in plaintext, so only declared routing facts may be sent.`
        : `${LABEL[field](fieldName)} looks like PHI (${kind}) and was refused: it would travel in plaintext. Put it in the encrypted body.`,
    );
  }
}

/**
 * Refuses PHI-looking values in everything that travels in plaintext. The error names the
 * field and the kind of identifier, never the value.
 */
export function assertNoPhi(
  fields: { attributes?: Record<string, string>; subject?: string; context?: Record<string, string> },
  allowlist: ReadonlySet<string>,
): void {
  for (const [name, value] of Object.entries(fields.attributes ?? {})) {
    if (!allowlist.has(name)) throw new PhiRefusedError('attribute', name, 'not-allowlisted');
    const kind = detectPhi(value);
    if (kind) throw new PhiRefusedError('attribute', name, kind);
  }
  if (fields.subject !== undefined) {
    const kind = detectPhi(fields.subject);
    if (kind) throw new PhiRefusedError('subject', 'subject', kind);
  }
  for (const [name, value] of Object.entries(fields.context ?? {})) {
    const kind = detectPhi(value) ?? detectPhi(name);
    if (kind) throw new PhiRefusedError('encryption-context', name, kind);
  }
}
