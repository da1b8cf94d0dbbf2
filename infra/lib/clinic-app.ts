import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { clinicTopology } from '@app/crypto-messaging';
import { ClinicStack } from './clinic-stack';
import { addClinicSuppressions } from './nag-suppressions';
import type { ImageSource } from './services';

/** Context keys the app reads (`cdk synth -c prefix=demo`). All optional. */
export interface ClinicContext {
  /** Resource-name prefix, as CLINIC_PREFIX for the apps. Default `clinic`. */
  readonly prefix?: string;
  /** Comma-separated ARNs of the key administrators' roles. */
  readonly keyAdminArns?: string;
  readonly alertEmail?: string;
  /** Comma-separated service principals admitted to the records topic. */
  readonly eventSourcePrincipals?: string;
  /** Pre-built image URI; default: build the Dockerfile at deploy time. */
  readonly imageUri?: string;
  /** Explicit account and region; default: environment-agnostic. */
  readonly account?: string;
  readonly region?: string;
  /** Cognito hosted UI domain prefix; default `<prefix>-<account id>`. */
  readonly signInDomainPrefix?: string;
  /** Comma-separated sign-in callback URLs (exact match); default the web screen and the CLI on localhost. */
  readonly signInCallbackUrls?: string;
  /** Comma-separated sign-out redirect URLs. */
  readonly signInLogoutUrls?: string;
}

/** How {@link buildClinicApp} wires the app. */
export interface BuildOptions {
  /** Register the cdk-nag packs as validation plugins (synth fails on a finding). Default true. */
  readonly nag?: boolean;
}

/**
 * Feature flags the stack relies on, set here rather than only in cdk.json so that tests and
 * `cdk synth` build the same template.
 */
export const CLINIC_FEATURE_FLAGS: Readonly<Record<string, boolean>> = {
  // Server access logs are admitted by a bucket policy, not the legacy LogDeliveryWrite ACL.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * Builds the clinic stack from the topology declaration and the app's context, with the
 * cdk-nag AwsSolutions and HIPAA Security packs as validation plugins (an unacknowledged
 * finding fails `cdk synth`).
 */
export function buildClinicApp(
  app: App,
  overrides: Partial<ClinicContext> = {},
  options: BuildOptions = {},
): ClinicStack {
  for (const [flag, value] of Object.entries(CLINIC_FEATURE_FLAGS)) {
    if (app.node.tryGetContext(flag) === undefined) app.node.setContext(flag, value);
  }
  const ctx = (key: keyof ClinicContext): string | undefined =>
    overrides[key] ?? (app.node.tryGetContext(key) as string | undefined);
  const topology = clinicTopology({ prefix: ctx('prefix') ?? 'clinic' });
  const imageUri = ctx('imageUri');
  const image: ImageSource = imageUri ? { kind: 'uri', uri: imageUri } : { kind: 'asset' };
  const account = ctx('account');
  const region = ctx('region');
  const stack = new ClinicStack(app, `${topology.prefix}-stack`, {
    topology,
    description: `Encrypted clinic messaging (${topology.prefix}): KMS, SNS, SQS, VPC endpoints, CloudTrail, ECS, RDS, Cognito`,
    keyAdminArns: list(ctx('keyAdminArns')),
    alertEmail: ctx('alertEmail'),
    eventSourcePrincipals: list(ctx('eventSourcePrincipals')),
    image,
    signIn: {
      domainPrefix: ctx('signInDomainPrefix'),
      ...(ctx('signInCallbackUrls') ? { callbackUrls: list(ctx('signInCallbackUrls')) } : {}),
      ...(ctx('signInLogoutUrls') ? { logoutUrls: list(ctx('signInLogoutUrls')) } : {}),
    },
    ...(account || region ? { env: { account, region } } : {}),
  });
  Tags.of(stack).add('project', 'encrypted-clinic-messaging');
  Tags.of(stack).add('data-classification', 'phi');
  addClinicSuppressions(stack);
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true }),
      new HIPAASecurityChecks(app, { verbose: true }),
    );
  }
  return stack;
}
