import { runClinicApp } from '@app/platform';
import { billingBlueprint } from './billing.blueprint';

runClinicApp(billingBlueprint);
