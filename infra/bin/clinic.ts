#!/usr/bin/env node
// The CDK app: `npm run infra:synth` (offline) and `npm run infra:deploy`.
import { App } from 'aws-cdk-lib';
import { buildClinicApp } from '../lib/clinic-app';

const app = new App();
buildClinicApp(app);
app.synth();
