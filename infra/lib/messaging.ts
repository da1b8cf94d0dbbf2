import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MessagingTopology, QueueDeclaration } from '@app/crypto-messaging';

/** Share of successful SQS deliveries SNS logs; every failure is always logged. */
export const DELIVERY_SUCCESS_SAMPLE_RATE_PERCENT = 10;
/** Delivery-status logs help debug routing; they carry ids, never bodies. */
const DELIVERY_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/** The ARN of a topic, built from its declared name so that key policies need no reference to it. */
export function topicArnOf(scope: Construct, topicName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sns',
    resource: topicName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** The ARN of a queue, built from its declared name. */
export function queueArnOf(scope: Construct, queueName: string): string {
  return Stack.of(scope).formatArn({
    service: 'sqs',
    resource: queueName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
}

/** Options of {@link ClinicMessaging}. */
export interface ClinicMessagingProps {
  /** The declaration everything here is generated from. */
  readonly topology: MessagingTopology;
  /** Customer-managed keys by `KeyDeclaration.ref`. */
  readonly keys: Readonly<Record<string, kms.IKey>>;
  /** Encrypts the SNS delivery-status log groups. */
  readonly logsKey: kms.IKey;
  /** The SNS interface endpoint: publishing from anywhere else is denied. */
  readonly snsEndpointId: string;
  /**
   * AWS service principals allowed to publish to the topic (for example
   * `cloudwatch.amazonaws.com`); they must also be admitted by the topic key's policy.
   */
  readonly eventSourcePrincipals?: readonly string[];
}

/** One consumer's queue with its dead-letter queue. */
export interface ConsumerQueue {
  readonly declaration: QueueDeclaration;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly subscription: sns.CfnSubscription;
}

/**
 * The encrypted fan-out, generated from the topology declaration: the topic, a queue and a
 * dead-letter queue per consumer, raw-delivery subscriptions with the declared filter policies,
 * resource policies (owner only, HTTPS only, SNS from this topic only, publishing only through
 * the VPC endpoint) and SNS delivery-status logging for SQS.
 */
export class ClinicMessaging extends Construct {
  readonly topic: sns.Topic;
  readonly topicArn: string;
  readonly consumers: readonly ConsumerQueue[];
  /** Role SNS assumes to write delivery-status logs. */
  readonly deliveryStatusRole: iam.Role;

  constructor(scope: Construct, id: string, props: ClinicMessagingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { topology } = props;
    const keyOf = (ref: string) => {
      const key = props.keys[ref];
      if (!key) throw new TypeError(`Topology references key "${ref}" that the stack did not create`);
      return key;
    };
    this.topicArn = topicArnOf(this, topology.topic.name);

    // SNS writes delivery status to log groups named after the topic; creating them here gives
    // them a retention and our key instead of "never expire, unencrypted".
    const logGroupBase = `sns/${stack.region}/${stack.account}/${topology.topic.name}`;
    for (const [cid, name] of [
      ['DeliverySuccessLogs', logGroupBase],
      ['DeliveryFailureLogs', `${logGroupBase}/Failure`],
    ]) {
      new logs.LogGroup(this, cid, {
        logGroupName: name,
        retention: DELIVERY_LOG_RETENTION,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }
    this.deliveryStatusRole = new iam.Role(this, 'DeliveryStatusRole', {
      assumedBy: new iam.ServicePrincipal('sns.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
      description: `SNS writes ${topology.topic.name} delivery-status logs`,
    });
    new iam.ManagedPolicy(this, 'DeliveryStatusPolicy', {
      roles: [this.deliveryStatusRole],
      description: `Write ${topology.topic.name} delivery-status logs`,
      statements: [
        new iam.PolicyStatement({
          actions: [
            'logs:CreateLogGroup',
            'logs:CreateLogStream',
            'logs:PutLogEvents',
            'logs:PutMetricFilter',
            'logs:PutRetentionPolicy',
          ],
          resources: [
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroupBase}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
            stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: `${logGroupBase}/Failure:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });

    this.topic = new sns.Topic(this, 'Topic', {
      topicName: topology.topic.name,
      masterKey: keyOf(topology.topic.keyRef),
      enforceSSL: true,
      loggingConfigs: [
        {
          protocol: sns.LoggingProtocol.SQS,
          successFeedbackRole: this.deliveryStatusRole,
          failureFeedbackRole: this.deliveryStatusRole,
          successFeedbackSampleRate: DELIVERY_SUCCESS_SAMPLE_RATE_PERCENT,
        },
      ],
    });
    this.addTopicPolicy(props);

    this.consumers = topology.queues.map((declaration) =>
      this.addConsumer(declaration, keyOf(declaration.keyRef), topology),
    );
  }

  private addTopicPolicy(props: ClinicMessagingProps): void {
    const stack = Stack.of(this);
    const notAwsService = { 'aws:PrincipalIsAWSService': 'false' };
    // The topic policy replaces SNS's default one, so the owner's rights are restated here.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OwnerOnly',
        principals: [new iam.AccountRootPrincipal()],
        actions: ['sns:Publish', 'sns:Subscribe', 'sns:GetTopicAttributes', 'sns:ListSubscriptionsByTopic'],
        resources: [this.topic.topicArn],
      }),
    );
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOtherAccounts',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:*'],
        resources: [this.topic.topicArn],
        conditions: { StringNotEquals: { 'aws:PrincipalAccount': stack.account }, Bool: notAwsService },
      }),
    );
    // Publishing only through PrivateLink. AWS service publishers (CloudWatch alarms,
    // EventBridge) never come through a VPC endpoint, hence the aws:PrincipalIsAWSService guard.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'PublishOnlyThroughVpcEndpoint',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringNotEquals: { 'aws:SourceVpce': props.snsEndpointId }, Bool: notAwsService },
      }),
    );
    for (const principal of props.eventSourcePrincipals ?? []) {
      this.topic.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `EventSource${principal.split('.')[0].replace(/[^A-Za-z0-9]/g, '')}Publishes`,
          principals: [new iam.ServicePrincipal(principal)],
          actions: ['sns:Publish'],
          resources: [this.topic.topicArn],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
    }
  }

  private addConsumer(
    declaration: QueueDeclaration,
    key: kms.IKey,
    topology: MessagingTopology,
  ): ConsumerQueue {
    const id = pascal(declaration.consumer);
    const reuse = Duration.seconds(topology.dataKeyReusePeriodS);
    const deadLetterQueue = new sqs.Queue(this, `${id}DeadLetterQueue`, {
      queueName: declaration.deadLetterQueueName,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: reuse,
      retentionPeriod: Duration.seconds(declaration.deadLetterRetentionS),
      enforceSSL: true,
    });
    const queue = new sqs.Queue(this, `${id}Queue`, {
      queueName: declaration.name,
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      dataKeyReuse: reuse,
      visibilityTimeout: Duration.seconds(declaration.visibilityTimeoutS),
      retentionPeriod: Duration.seconds(declaration.messageRetentionS),
      receiveMessageWaitTime: Duration.seconds(declaration.receiveWaitTimeS),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: declaration.maxReceiveCount },
      enforceSSL: true,
    });
    queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'TopicDeliversOnlyFromThisTopic',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [queue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': this.topicArn } },
      }),
    );
    // L1 on purpose: the declared filter policy is SNS's own JSON and goes through untouched,
    // and the L2 SqsSubscription would add an SNS key statement that references the topic
    // (a dependency cycle with the topic's own key) without our SourceAccount condition.
    const subscription = new sns.CfnSubscription(this, `${id}Subscription`, {
      topicArn: this.topic.topicArn,
      protocol: 'sqs',
      endpoint: queue.queueArn,
      rawMessageDelivery: declaration.rawMessageDelivery,
      filterPolicyScope: 'MessageAttributes',
      filterPolicy: declaration.filterPolicy,
    });
    // After the queue and its policy (a child of the queue): SNS must be admitted before it delivers.
    subscription.node.addDependency(queue);
    return { declaration, queue, deadLetterQueue, subscription };
  }
}

/** `billing` -> `Billing`, for construct ids. */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0].toUpperCase() + p.slice(1))
    .join('');
}
