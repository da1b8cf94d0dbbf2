import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { MessagingTopology } from '@app/crypto-messaging';
import { CLINIC_APP_NAMES, isClinicApp } from '@app/clinic';
import type { AppName } from './apps';
import { ClinicAudit } from './audit';
import { CONSUMER_KEY_ACTIONS, ClinicKey, DESCRIBE_KEY_ACTIONS, PUBLISHER_KEY_ACTIONS } from './clinic-key';
import { ClinicIdentity } from './identity';
import { JWKS_OBJECT_KEY, JwksMirror } from './jwks-mirror';
import { ClinicMessaging, pascal, queueArnOf, topicArnOf } from './messaging';
import { ClinicNetwork } from './network';
import { ClinicServices, type ImageSource } from './services';

/** The consumer-side SQS actions: poll, acknowledge, extend, inspect its own queue. */
/**
 * What a consumer needs on its own dead-letter queue: the transport copies a message that can
 * never succeed there (with the reason) before deleting it from the queue.
 */
export const DEAD_LETTER_QUEUE_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueUrl'] as const;
/** SQS encrypts the dead-lettered copy with a data key it asks KMS for on the sender's behalf. */
export const DEAD_LETTER_KEY_ACTIONS = ['kms:GenerateDataKey'] as const;

export const CONSUMER_QUEUE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:DeleteMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueAttributes',
  // The apps know queues by name (from the topology) and resolve the URL.
  'sqs:GetQueueUrl',
] as const;

/** Options of {@link ClinicStack}. */
export interface ClinicStackProps extends StackProps {
  /** The messaging declaration (`clinicTopology({ prefix })`): the stack is generated from it. */
  readonly topology: MessagingTopology;
  /** ARNs of roles that administer the keys (no cryptographic use). */
  readonly keyAdminArns?: readonly string[];
  /** E-mail address for the security alarms. */
  readonly alertEmail?: string;
  /**
   * AWS service principals admitted to publish to the encrypted records topic, e.g.
   * `cloudwatch.amazonaws.com`: added to both the key policy and the topic policy. Off by
   * default: nothing but the EMR publishes patient records.
   */
  readonly eventSourcePrincipals?: readonly string[];
  /** Container image source; default: built from the repository's Dockerfile. */
  readonly image?: ImageSource;
  /** Staff sign-in (Cognito). All optional. */
  readonly signIn?: {
    /** Hosted UI domain prefix; default `<prefix>-<account id>` (unique per region). */
    readonly domainPrefix?: string;
    /** Where the hosted UI may return people after sign-in; default the web screen and the CLI on localhost. */
    readonly callbackUrls?: readonly string[];
    readonly logoutUrls?: readonly string[];
  };
}

/**
 * The clinic on AWS: customer-managed keys, the encrypted SNS-to-SQS fan-out generated from the
 * topology, a private VPC with interface endpoints, CloudTrail and alarms, and the four apps on
 * ECS Fargate with their PostgreSQL database.
 */
export class ClinicStack extends Stack {
  readonly topology: MessagingTopology;
  /** The task role of each app. */
  readonly roles: Readonly<Record<AppName, iam.Role>>;
  /** Customer-managed keys by topology `ref`, plus `audit` and `database`. */
  readonly keys: Readonly<Record<string, ClinicKey>>;
  readonly network: ClinicNetwork;
  readonly messaging: ClinicMessaging;
  readonly audit: ClinicAudit;
  readonly services: ClinicServices;
  readonly identity: ClinicIdentity;
  readonly jwksMirror: JwksMirror;

  constructor(scope: Construct, id: string, props: ClinicStackProps) {
    super(scope, id, props);
    const { topology } = props;
    this.topology = topology;
    const prefix = topology.prefix;
    const consumers = topology.queues.map((q) => q.consumer);
    const apps = [topology.publisher, ...consumers];
    for (const app of apps) {
      if (!isClinicApp(app))
        throw new TypeError(`Topology names app "${app}" that the stack does not know how to run`);
    }
    const topicArn = topicArnOf(this, topology.topic.name);

    // One role per app, assumable only by ECS tasks of this account.
    const roles = {} as Record<AppName, iam.Role>;
    for (const app of CLINIC_APP_NAMES) {
      roles[app] = new iam.Role(this, `${pascal(app)}TaskRole`, {
        description: `${prefix} ${app} task: least privilege on messaging`,
        assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com', {
          conditions: {
            StringEquals: { 'aws:SourceAccount': this.account },
            ArnLike: { 'aws:SourceArn': this.formatArn({ service: 'ecs', resource: '*' }) },
          },
        }),
      });
    }
    this.roles = roles;

    // Keys. The topology's keys encrypt messaging; two more keep the audit trail and the
    // database under keys that the messaging roles cannot use (see docs/adr/0004).
    const admins = (props.keyAdminArns ?? []).map((arn, i) =>
      iam.Role.fromRoleArn(this, `KeyAdmin${i}`, arn, { mutable: false }),
    );
    const keys: Record<string, ClinicKey> = {};
    for (const declaration of topology.keys) {
      keys[declaration.ref] = new ClinicKey(this, `${pascal(declaration.ref)}Key`, {
        alias: declaration.alias,
        description: declaration.description,
        admins,
      });
    }
    const audit = new ClinicKey(this, 'AuditKey', {
      alias: `alias/${prefix}-audit`,
      description: `${prefix}: CloudTrail, log groups and security alerts`,
      admins,
    });
    const database = new ClinicKey(this, 'DatabaseKey', {
      alias: `alias/${prefix}-database`,
      description: `${prefix}: PostgreSQL storage, its credentials and Performance Insights`,
      admins,
    });
    this.keys = { ...keys, audit, database };
    const keyOf = (ref: string) => keys[ref];
    this.addMessagingKeyStatements(props, keyOf, topicArn);
    this.addAuditKeyStatements(audit, prefix);
    this.addDatabaseKeyStatements(database);

    this.network = new ClinicNetwork(this, 'Network', {
      topicArn,
      queueArns: topology.queues.map((q) => queueArnOf(this, q.name)),
      recordsKey: keyOf(topology.topic.keyRef).key,
      logsKey: audit.key,
    });

    this.messaging = new ClinicMessaging(this, 'Messaging', {
      topology,
      keys: Object.fromEntries(Object.entries(keys).map(([ref, k]) => [ref, k.key])),
      logsKey: audit.key,
      snsEndpointId: this.network.snsEndpoint.vpcEndpointId,
      eventSourcePrincipals: props.eventSourcePrincipals,
    });

    this.grantMessaging(keyOf, topicArn);

    this.audit = new ClinicAudit(this, 'Audit', {
      prefix,
      auditKey: audit.key,
      topic: this.messaging.topic,
      queues: this.messaging.consumers.map((c) => c.queue),
      deadLetterQueues: this.messaging.consumers.map((c) => c.deadLetterQueue),
      alertEmail: props.alertEmail,
    });

    this.identity = new ClinicIdentity(this, 'Identity', {
      prefix,
      domainPrefix: props.signIn?.domainPrefix ?? `${prefix}-${this.account}`,
      callbackUrls: props.signIn?.callbackUrls,
      logoutUrls: props.signIn?.logoutUrls,
    });

    // The apps cannot reach the issuer's JWKS from the isolated subnets: they read a copy.
    this.jwksMirror = new JwksMirror(this, 'JwksMirror', {
      issuer: this.identity.issuer,
      s3Endpoint: this.network.s3Endpoint,
      accessLogs: this.audit.accessLogs,
      logsKey: audit.key,
    });
    this.network.s3Endpoint.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ReadMirroredSignInKeys',
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [this.jwksMirror.bucket.arnForObjects(JWKS_OBJECT_KEY)],
      }),
    );

    this.services = new ClinicServices(this, 'Apps', {
      prefix,
      vpc: this.network.vpc,
      appsSecurityGroup: this.network.appsSecurityGroup,
      taskRoles: roles,
      consumerQueues: Object.fromEntries(
        this.messaging.consumers.map((c) => [c.declaration.consumer, c.queue]),
      ),
      databaseKey: database.key,
      logsKey: audit.key,
      image: props.image ?? { kind: 'asset' },
      // The topic ARN is passed in: the EMR's least-privilege role may publish, not list topics.
      environment: {
        CLINIC_PROFILE: 'aws',
        CLINIC_PREFIX: prefix,
        AWS_REGION: this.region,
        CLINIC_TOPIC_ARN: this.messaging.topic.topicArn,
        // One JSON object a line: the audit entries' metric filter matches `$.context`.
        LOG_FORMAT: 'json',
        // Every app trusts access tokens from the clinic's user pool, and only those.
        ...this.identity.appEnvironment,
        CLINIC_OIDC_JWKS_URL: this.jwksMirror.url,
      },
    });

    new CfnOutput(this, 'TopicArn', { value: this.messaging.topic.topicArn });
    for (const c of this.messaging.consumers) {
      new CfnOutput(this, `${pascal(c.declaration.consumer)}QueueUrl`, { value: c.queue.queueUrl });
    }
    new CfnOutput(this, 'RecordsKeyArn', { value: keyOf(topology.topic.keyRef).key.keyArn });
    new CfnOutput(this, 'ClusterName', { value: this.services.cluster.clusterName });
    new CfnOutput(this, 'DbInitTaskDefinition', { value: this.services.dbInitTask.taskDefinitionArn });
    new CfnOutput(this, 'PrivateSubnets', {
      value: this.network.vpc.isolatedSubnets.map((s) => s.subnetId).join(','),
    });
    new CfnOutput(this, 'AppsSecurityGroup', { value: this.network.appsSecurityGroup.securityGroupId });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'SignInClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'OidcIssuer', { value: this.identity.issuer });
    new CfnOutput(this, 'SignInDomain', { value: this.identity.domain.baseUrl() });
    new CfnOutput(this, 'TrailName', { value: this.audit.trailName });
    new CfnOutput(this, 'TrailBucket', { value: this.audit.bucket.bucketName });
  }

  /** Key users by name: the publisher, each consumer, SNS for this topic only, optional event sources. */
  private addMessagingKeyStatements(
    props: ClinicStackProps,
    keyOf: (ref: string) => ClinicKey,
    topicArn: string,
  ) {
    const { topology } = props;
    const topicKey = keyOf(topology.topic.keyRef);
    const publisher = this.roles[topology.publisher as AppName];
    topicKey.allow('PublisherEncrypts', [publisher], [...PUBLISHER_KEY_ACTIONS, ...DESCRIBE_KEY_ACTIONS]);

    for (const q of topology.queues) {
      const role = this.roles[q.consumer as AppName];
      // Its queue's key for SQS decryption, and the topic key for the client-side envelope.
      for (const key of new Set([keyOf(q.keyRef), topicKey])) {
        key.allow(
          `${pascal(q.consumer)}Decrypts`,
          [role],
          [...CONSUMER_KEY_ACTIONS, ...DESCRIBE_KEY_ACTIONS],
        );
      }
      // A poison message is copied to the (encrypted) dead-letter queue: SQS needs a data key
      // on the consumer's behalf. Only through SQS, so the consumer cannot seal envelopes itself.
      keyOf(q.keyRef).allow(`${pascal(q.consumer)}DeadLettersViaSqs`, [role], [...DEAD_LETTER_KEY_ACTIONS], {
        StringEquals: { 'kms:ViaService': `sqs.${this.region}.amazonaws.com` },
      });
    }

    // Without this SNS cannot deliver to an encrypted queue, and drops messages silently.
    for (const key of new Set(topology.queues.map((q) => keyOf(q.keyRef)))) {
      key.allow(
        'SnsDeliversToEncryptedQueues',
        [new iam.ServicePrincipal('sns.amazonaws.com')],
        ['kms:GenerateDataKey*', 'kms:Decrypt'],
        {
          ArnEquals: { 'aws:SourceArn': topicArn },
          StringEquals: { 'aws:SourceAccount': this.account },
        },
      );
    }

    for (const principal of props.eventSourcePrincipals ?? []) {
      topicKey.allow(
        `EventSource${principal.split('.')[0].replace(/[^A-Za-z0-9]/g, '')}UsesTopicKey`,
        [new iam.ServicePrincipal(principal)],
        ['kms:GenerateDataKey*', 'kms:Decrypt'],
        { StringEquals: { 'aws:SourceAccount': this.account } },
      );
    }
  }

  /** CloudTrail, CloudWatch Logs and CloudWatch alarms (to the alerts topic) use the audit key. */
  private addAuditKeyStatements(audit: ClinicKey, prefix: string) {
    const trailArn = this.formatArn({
      service: 'cloudtrail',
      resource: 'trail',
      resourceName: `${prefix}-audit`,
    });
    audit.allow(
      'CloudTrailEncryptsLogs',
      [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      ['kms:GenerateDataKey*'],
      {
        StringLike: {
          'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${this.partition}:cloudtrail:*:${this.account}:trail/*`,
        },
        StringEquals: { 'aws:SourceArn': trailArn },
      },
    );
    audit.allow(
      'CloudTrailDescribesKey',
      [new iam.ServicePrincipal('cloudtrail.amazonaws.com')],
      ['kms:DescribeKey'],
      {
        StringEquals: { 'aws:SourceArn': trailArn },
      },
    );
    audit.allow(
      'CloudWatchLogsEncrypts',
      [new iam.ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
      ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:log-group:*`,
        },
      },
    );
    audit.allow(
      'CloudWatchAlarmsPublishEncrypted',
      [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      ['kms:GenerateDataKey*', 'kms:Decrypt'],
      {
        StringEquals: { 'aws:SourceAccount': this.account },
      },
    );
    // Reading the trail's log files (Athena, the console) decrypts through S3 only.
    audit.allow('AccountReadsTrailThroughS3', [new iam.AccountRootPrincipal()], ['kms:Decrypt'], {
      StringEquals: {
        'kms:ViaService': `s3.${this.region}.amazonaws.com`,
        'kms:CallerAccount': this.account,
      },
    });
  }

  /** RDS and Secrets Manager use the database key on behalf of this account's principals only. */
  private addDatabaseKeyStatements(database: ClinicKey) {
    database.allow(
      'UseThroughRdsAndSecretsManager',
      [new iam.AccountRootPrincipal()],
      [
        'kms:Encrypt',
        'kms:Decrypt',
        'kms:ReEncrypt*',
        'kms:GenerateDataKey*',
        'kms:CreateGrant',
        'kms:DescribeKey',
      ],
      {
        StringEquals: { 'kms:CallerAccount': this.account },
        'ForAnyValue:StringEquals': {
          'kms:ViaService': [
            `rds.${this.region}.amazonaws.com`,
            `secretsmanager.${this.region}.amazonaws.com`,
          ],
        },
      },
    );
  }

  /** Identity policies: the publisher may publish, each consumer may consume its own queue. */
  private grantMessaging(keyOf: (ref: string) => ClinicKey, topicArn: string) {
    const { topology } = this;
    const topicKey = keyOf(topology.topic.keyRef).key;
    new iam.ManagedPolicy(this, `${pascal(topology.publisher)}MessagingPolicy`, {
      description: 'Publish patient records to the encrypted topic',
      roles: [this.roles[topology.publisher as AppName]],
      statements: [
        new iam.PolicyStatement({
          sid: 'PublishPatientRecords',
          actions: ['sns:Publish'],
          resources: [topicArn],
        }),
        new iam.PolicyStatement({
          sid: 'UseTopicKey',
          actions: [...PUBLISHER_KEY_ACTIONS, ...DESCRIBE_KEY_ACTIONS],
          resources: [topicKey.keyArn],
        }),
      ],
    });
    for (const c of this.messaging.consumers) {
      const keysArns = [...new Set([keyOf(c.declaration.keyRef).key.keyArn, topicKey.keyArn])];
      new iam.ManagedPolicy(this, `${pascal(c.declaration.consumer)}MessagingPolicy`, {
        description: `Consume ${c.declaration.name} and decrypt its messages`,
        roles: [this.roles[c.declaration.consumer as AppName]],
        statements: [
          new iam.PolicyStatement({
            sid: 'ConsumeOwnQueue',
            actions: [...CONSUMER_QUEUE_ACTIONS],
            resources: [c.queue.queueArn],
          }),
          new iam.PolicyStatement({
            sid: 'DeadLetterOwnPoison',
            actions: [...DEAD_LETTER_QUEUE_ACTIONS],
            resources: [c.deadLetterQueue.queueArn],
          }),
          new iam.PolicyStatement({
            sid: 'SqsSealsDeadLetters',
            actions: [...DEAD_LETTER_KEY_ACTIONS],
            resources: [keyOf(c.declaration.keyRef).key.keyArn],
            conditions: { StringEquals: { 'kms:ViaService': `sqs.${this.region}.amazonaws.com` } },
          }),
          new iam.PolicyStatement({
            sid: 'DecryptOwnQueue',
            actions: [...CONSUMER_KEY_ACTIONS, ...DESCRIBE_KEY_ACTIONS],
            resources: keysArns,
          }),
        ],
      });
    }
  }
}
