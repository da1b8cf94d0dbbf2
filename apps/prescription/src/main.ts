import { runClinicApp } from '@app/platform';
import { prescriptionBlueprint } from './prescription.blueprint';

runClinicApp(prescriptionBlueprint);
