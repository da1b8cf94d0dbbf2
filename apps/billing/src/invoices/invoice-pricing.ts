import { catalogue } from '@app/catalogue';
import type { PatientRecordCreatedV1 } from '@app/contracts';

/** A line before it is saved. */
export interface PricedLine {
  readonly codeSystem: 'CPT' | 'LOINC';
  readonly code: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitCents: number;
  readonly amountCents: number;
}

/** A code the fee schedule does not know: the record can never be priced. */
export class UnpricedCodeError extends Error {
  constructor(
    readonly codeSystem: string,
    readonly code: string,
  ) {
    super(`${codeSystem} code ${code} is not in the fee schedule`);
    this.name = 'UnpricedCodeError';
  }
}

/**
 * Prices a record from the fee schedule: the visit, each procedure, and each lab ordered
 * (drawn and analysed by the clinic's lab). Pure: the same record always gives the same lines.
 */
export function priceRecord(record: PatientRecordCreatedV1): { lines: PricedLine[]; totalCents: number } {
  const lines: PricedLine[] = [];
  const add = (codeSystem: 'CPT' | 'LOINC', code: string, description: string, unitCents: number) =>
    lines.push({ codeSystem, code, description, quantity: 1, unitCents, amountCents: unitCents });

  const visit = catalogue.visitType(record.visit.type);
  const visitFee = catalogue.cptFeeCents(record.visit.cptCode);
  if (visitFee === undefined) throw new UnpricedCodeError('CPT', record.visit.cptCode);
  add('CPT', record.visit.cptCode, visit?.description ?? `Visit ${record.visit.type}`, visitFee);

  for (const { cptCode } of record.procedures) {
    const procedure = catalogue.procedure(cptCode);
    if (!procedure) throw new UnpricedCodeError('CPT', cptCode);
    add('CPT', cptCode, procedure.description, procedure.feeCents);
  }
  for (const { loinc } of record.labOrders) {
    const test = catalogue.labTest(loinc);
    if (!test) throw new UnpricedCodeError('LOINC', loinc);
    add('LOINC', loinc, test.name, test.feeCents);
  }
  return { lines, totalCents: lines.reduce((sum, l) => sum + l.amountCents, 0) };
}
