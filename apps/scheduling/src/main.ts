import { runClinicApp } from '@app/platform';
import { schedulingBlueprint } from './scheduling.blueprint';

runClinicApp(schedulingBlueprint);
