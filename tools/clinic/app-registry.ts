/**
 * The four clinic apps as the tools see them: their databases (for migrations) and entry points
 * (for `npm start`). Tools may import apps; apps never import each other.
 */
import type { AppDatabase, ClinicApp } from '@app/platform';
import * as path from 'node:path';
import { billingDatabase } from '../../apps/billing/src/database/billing.database';
import { emrDatabase } from '../../apps/emr/src/database/emr.database';
import { prescriptionDatabase } from '../../apps/prescription/src/database/prescription.database';
import { schedulingDatabase } from '../../apps/scheduling/src/database/scheduling.database';

export interface RegisteredApp {
  readonly app: ClinicApp;
  readonly database: AppDatabase;
  /** TypeScript entry point, run with the SWC register hook. */
  readonly entry: string;
}

const ROOT = path.resolve(__dirname, '..', '..');
const entry = (app: ClinicApp) => path.join(ROOT, 'apps', app, 'src', 'main.ts');

export const APPS: readonly RegisteredApp[] = [
  { app: 'emr', database: emrDatabase, entry: entry('emr') },
  { app: 'billing', database: billingDatabase, entry: entry('billing') },
  { app: 'scheduling', database: schedulingDatabase, entry: entry('scheduling') },
  { app: 'prescription', database: prescriptionDatabase, entry: entry('prescription') },
];
