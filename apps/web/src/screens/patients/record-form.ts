/**
 * The record form as the screen shows it, and the EMR's JSON as its API takes it. Lists are
 * fixed rows on the form (empty rows left out of the JSON); the API's problems name JSON paths
 * ("diagnoses.1.icd10"), which are mapped back to the row the person typed in.
 */

/** Rows the form offers per list (the API allows more; the form keeps the page short). */
export const FORM_ROWS = {
  procedures: 2,
  diagnoses: 3,
  medications: 2,
  immunizations: 1,
  labOrders: 2,
  labResults: 2,
} as const;

type ListName = keyof typeof FORM_ROWS;

/** Each list's fields on the form, and which of them are whole numbers. */
const LIST_FIELDS: Record<
  ListName,
  { readonly fields: readonly string[]; readonly integers?: readonly string[] }
> = {
  procedures: { fields: ['cptCode'] },
  diagnoses: { fields: ['icd10'] },
  medications: {
    fields: ['rxnorm', 'dose', 'frequency', 'quantity', 'refills', 'pharmacyId'],
    integers: ['quantity', 'refills'],
  },
  immunizations: { fields: ['cvx', 'date'] },
  labOrders: { fields: ['loinc'] },
  labResults: { fields: ['loinc', 'value', 'unit', 'flag'] },
};

/** A row counts as entered when its first field (the code) has a value. */
const keyFieldOf = (list: ListName) => LIST_FIELDS[list].fields[0];

export type FormValues = Readonly<Record<string, string>>;

/** The JSON body for `POST /patients/:id/records`, and where each list item came from. */
export interface RecordRequest {
  readonly body: Record<string, unknown>;
  /** list -> API index -> form row. */
  readonly rows: Readonly<Record<string, readonly number[]>>;
}

const text = (form: FormValues, name: string) => (form[name] ?? '').trim();

/**
 * A number stays a string when it is not one: the API then names the field ("quantity must be
 * an integer number"), which is the message the person should see.
 */
const numberOr = (value: string): number | string => (/^-?\d+$/.test(value) ? Number(value) : value);

export function recordRequestOf(form: FormValues): RecordRequest {
  const body: Record<string, unknown> = {
    physicianId: text(form, 'physicianId'),
    visit: { type: text(form, 'visit.type'), date: visitDateOf(text(form, 'visit.date')) },
  };
  const rows: Record<string, number[]> = {};
  for (const list of Object.keys(FORM_ROWS) as ListName[]) {
    const { fields, integers = [] } = LIST_FIELDS[list];
    const items: Record<string, unknown>[] = [];
    rows[list] = [];
    for (let row = 0; row < FORM_ROWS[list]; row++) {
      if (!text(form, `${list}.${row}.${keyFieldOf(list)}`)) continue;
      const item: Record<string, unknown> = {};
      for (const field of fields) {
        const value = text(form, `${list}.${row}.${field}`);
        if (value === '' && field === 'flag') continue;
        item[field] = integers.includes(field) ? numberOr(value) : value;
      }
      items.push(item);
      rows[list].push(row);
    }
    if (items.length > 0 || list === 'diagnoses') body[list] = items;
  }
  const followUp = text(form, 'followUpDays');
  if (followUp) body.followUpDays = numberOr(followUp);
  const note = (form.note ?? '').trim();
  if (note) body.note = note;
  body.billable = form.billable === 'on' || form.billable === 'true';
  return { body, rows };
}

/**
 * The date-time input gives "2026-11-29T09:30" (no zone); the clinic's time is UTC, so the zone
 * is added. Anything else goes as typed, for the API to name.
 */
export function visitDateOf(value: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value;
}

/** The API's field names mapped to the form's: "medications.0.dose" -> "medications.<row>.dose". */
export function formFieldOf(apiField: string, rows: RecordRequest['rows']): string {
  const match = /^(\w+)\.(\d+)(\..+)?$/.exec(apiField);
  if (!match) return apiField;
  const [, list, index, rest = ''] = match;
  const row = rows[list]?.[Number(index)];
  return row === undefined ? apiField : `${list}.${row}${rest}`;
}

/** Field errors keyed by the form's names (problems on a whole list item go to its code field). */
export function formErrorsOf(
  apiErrors: Record<string, string[]>,
  rows: RecordRequest['rows'],
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(apiErrors)) {
    let name = formFieldOf(field, rows);
    const whole = /^(\w+)\.(\d+)$/.exec(name);
    if (whole && whole[1] in FORM_ROWS) name = `${name}.${keyFieldOf(whole[1] as ListName)}`;
    (out[name] ??= []).push(...messages);
  }
  return out;
}
