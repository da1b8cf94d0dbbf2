import { runClinicApp } from '@app/platform';
import { emrBlueprint } from './emr.blueprint';

runClinicApp(emrBlueprint);
