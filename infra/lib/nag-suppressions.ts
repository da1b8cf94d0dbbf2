import { type CfnElement, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ClinicStack } from './clinic-stack';
import { pascal } from './messaging';

/** One acknowledged cdk-nag finding: the rule (with its finding id) and why it is acceptable. */
export interface NagAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

/**
 * The reasons, in one place, so that the docs and a reviewer can read them together. Every
 * acknowledgement below names one of these; none is blanket over the stack.
 */
export const NAG_REASONS = {
  deliveryLogStreams:
    'SNS creates the delivery-status log streams with generated names; the wildcard is the stream part of two log groups named after this topic only.',
  generateDataKeyStar:
    'kms:GenerateDataKey* is the permission the SNS SSE documentation requires of a publisher; on this one key it expands to GenerateDataKey and GenerateDataKeyWithoutPlaintext only.',
  rdsMonitoringManagedPolicy:
    'AmazonRDSEnhancedMonitoringRole is the AWS-maintained, purpose-built policy for RDS Enhanced Monitoring (logs:PutLogEvents to RDSOSMetrics only).',
  secretRotation:
    'The tasks read the password at start; single-user rotation would break new connections until every task restarts. IAM database authentication is enabled and replaces the password (tracked in docs/deploy.md); until then rotation is a runbook step.',
  rdsDefaultPort:
    'A non-default port is obscurity, not control: the database accepts only the app tasks security group, sits in isolated subnets and forces TLS.',
  envVars:
    'The environment holds only non-secret configuration (profile, prefix, region, port, database name, the OIDC issuer and public client id); the database credentials come from Secrets Manager.',
  appLoginRotation:
    "Rotating an app's own login is a runbook step: put a new password in its secret and redeploy the service, whose migrate container sets the login's password from the secret before the app starts. Automatic rotation needs the multi-user rotation Lambda inside the VPC (alternating <app>_app and a clone), a tracked follow-up; each login reaches only its own database.",
  nistPasswordPolicy:
    'NIST SP 800-63B asks for length (15 characters minimum here) and a check against breached passwords (threat protection blocks compromised credentials), and rules out composition rules such as required uppercase, digits or symbols, which this cdk-nag rule demands.',
  mfaOptionalAdaptive:
    'MFA (TOTP) is available to every person, and threat protection requires it whenever a sign-in is rated medium or high risk (a person without MFA is then blocked). Requiring it on every sign-in is a clinic policy choice (mfa REQUIRED); HIPAA 164.312(d) asks for person authentication.',
  ecrAuthToken:
    'ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource "*"); image pulls themselves are scoped to the repository by CDK.',
  defaultSecurityGroup:
    'No resource uses the VPC default security group (every ENI gets an explicit one). Closing it needs a custom-resource Lambda, which would add more surface than it removes.',
  cdkGeneratedInlinePolicy:
    'CDK-generated inline policy of a single-purpose service role (flow logs, CloudTrail to CloudWatch Logs, ECS task execution), scoped by CDK to that resource; no human or app assumes these roles.',
  bucketReplication:
    'Cross-region replication of the audit log belongs to the organisation (an organization trail into a Log Archive account); the bucket is versioned, KMS-encrypted and retained.',
  accessLogsSseS3:
    'S3 server access logging can only deliver to a bucket with SSE-S3 (AES-256) default encryption, not SSE-KMS.',
  rdsBackupPlan:
    'RDS automated backups (7 days, encrypted with the database key) and a final snapshot on deletion cover this reference; an AWS Backup plan is an organisation-level policy.',
  lambdaLogStreams:
    "Lambda names its log streams at run time (date and instance id); the wildcard is the stream part of the JWKS mirror function's own log group only.",
  jwksMirrorReplication:
    "The mirror bucket holds a copy of the user pool's public key set, written again from the pool at every deployment; a replica elsewhere would protect nothing.",
  jwksMirrorSseS3:
    "The object is the user pool's public JWKS (no secret, no PHI), read unsigned by the apps through the S3 gateway endpoint; S3 refuses unsigned reads of SSE-KMS objects, hence SSE-S3.",
  jwksMirrorDeadLetters:
    'The function runs only as a CloudFormation custom resource: a failure fails the deployment and is reported in the stack events and its log group; there is no asynchronous event to keep.',
  jwksMirrorOutsideVpc:
    "It must fetch the user pool's public JWKS from the public Cognito endpoint, which the isolated subnets cannot reach (no NAT; a user pool with a domain cannot use PrivateLink); it touches no PHI and may write one object.",
} as const;

const ack = (construct: IConstruct | undefined, ...acks: NagAcknowledgement[]) => {
  if (!construct) return;
  for (const a of acks) Validations.of(construct).acknowledge({ id: a.id, reason: a.reason });
};

/**
 * Acknowledges, resource by resource and finding by finding, the cdk-nag AwsSolutions and
 * HIPAA.Security findings the clinic accepts, each with its reason (see {@link NAG_REASONS}).
 */
export function addClinicSuppressions(stack: ClinicStack): void {
  const { topology } = stack;
  const logGroupBase = `arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:sns/<AWS::Region>/<AWS::AccountId>/${topology.topic.name}`;
  ack(
    stack.messaging.node.tryFindChild('DeliveryStatusPolicy'),
    { id: `AwsSolutions-IAM5[Resource::${logGroupBase}:*]`, reason: NAG_REASONS.deliveryLogStreams },
    { id: `AwsSolutions-IAM5[Resource::${logGroupBase}/Failure:*]`, reason: NAG_REASONS.deliveryLogStreams },
  );
  ack(stack.node.tryFindChild(`${pascal(topology.publisher)}MessagingPolicy`), {
    id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    reason: NAG_REASONS.generateDataKeyStar,
  });

  const db = stack.services.database;
  ack(db.node.tryFindChild('MonitoringRole'), {
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
    reason: NAG_REASONS.rdsMonitoringManagedPolicy,
  });
  ack(
    db.node.tryFindChild('Secret'),
    { id: 'AwsSolutions-SMG4', reason: NAG_REASONS.secretRotation },
    { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: NAG_REASONS.secretRotation },
  );
  ack(
    db,
    { id: 'AwsSolutions-RDS11', reason: NAG_REASONS.rdsDefaultPort },
    { id: 'HIPAA.Security-RDSInBackupPlan', reason: NAG_REASONS.rdsBackupPlan },
  );

  for (const secret of Object.values(stack.services.appLoginSecrets)) {
    ack(
      secret,
      { id: 'AwsSolutions-SMG4', reason: NAG_REASONS.appLoginRotation },
      { id: 'HIPAA.Security-SecretsManagerRotationEnabled', reason: NAG_REASONS.appLoginRotation },
    );
  }
  ack(
    stack.identity.userPool,
    { id: 'AwsSolutions-COG1', reason: NAG_REASONS.nistPasswordPolicy },
    { id: 'AwsSolutions-COG2', reason: NAG_REASONS.mfaOptionalAdaptive },
  );

  const mirror = stack.jwksMirror;
  ack(mirror.node.tryFindChild('Policy'), {
    id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(mirror.node.findChild('Logs').node.defaultChild as CfnElement)}.Arn>:log-stream:*]`,
    reason: NAG_REASONS.lambdaLogStreams,
  });
  ack(
    mirror.bucket,
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: NAG_REASONS.jwksMirrorReplication },
    { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: NAG_REASONS.jwksMirrorSseS3 },
  );
  ack(
    mirror.function,
    { id: 'HIPAA.Security-LambdaDLQ', reason: NAG_REASONS.jwksMirrorDeadLetters },
    { id: 'HIPAA.Security-LambdaInsideVPC', reason: NAG_REASONS.jwksMirrorOutsideVpc },
  );

  const tasks = [
    ...Object.values(stack.services.services).map((s) => s.taskDefinition),
    stack.services.dbInitTask,
  ];
  for (const task of tasks) {
    ack(task, { id: 'AwsSolutions-ECS2', reason: NAG_REASONS.envVars });
    const executionPolicy = task.executionRole?.node.tryFindChild('DefaultPolicy');
    ack(
      executionPolicy,
      { id: 'AwsSolutions-IAM5[Resource::*]', reason: NAG_REASONS.ecrAuthToken },
      { id: 'HIPAA.Security-IAMNoInlinePolicy', reason: NAG_REASONS.cdkGeneratedInlinePolicy },
    );
  }

  ack(stack.network.vpc, {
    id: 'HIPAA.Security-VPCDefaultSecurityGroupClosed',
    reason: NAG_REASONS.defaultSecurityGroup,
  });
  ack(
    stack.network.vpc.node
      .tryFindChild('FlowLog')
      ?.node.tryFindChild('IAMRole')
      ?.node.tryFindChild('DefaultPolicy'),
    {
      id: 'HIPAA.Security-IAMNoInlinePolicy',
      reason: NAG_REASONS.cdkGeneratedInlinePolicy,
    },
  );
  ack(stack.audit.trail.node.tryFindChild('LogsRole')?.node.tryFindChild('DefaultPolicy'), {
    id: 'HIPAA.Security-IAMNoInlinePolicy',
    reason: NAG_REASONS.cdkGeneratedInlinePolicy,
  });
  ack(stack.audit.bucket, {
    id: 'HIPAA.Security-S3BucketReplicationEnabled',
    reason: NAG_REASONS.bucketReplication,
  });
  ack(
    stack.audit.node.tryFindChild('AccessLogs'),
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: NAG_REASONS.bucketReplication },
    { id: 'HIPAA.Security-S3DefaultEncryptionKMS', reason: NAG_REASONS.accessLogsSseS3 },
  );
}
