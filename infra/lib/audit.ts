import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Namespace of the metrics the trail's metric filters emit. */
export const SECURITY_METRIC_NAMESPACE = 'Clinic/Security';
/** Trail logs stay in S3 for six years: HIPAA's retention for documentation of safeguards. */
const TRAIL_BUCKET_RETENTION_DAYS = 6 * 365;
const TRAIL_LOG_GROUP_RETENTION = logs.RetentionDays.ONE_YEAR;

/** Options of {@link ClinicAudit}. */
export interface ClinicAuditProps {
  readonly prefix: string;
  /** Encrypts the trail, its bucket, its log group and the alerts topic. */
  readonly auditKey: kms.IKey;
  /** The patient-records topic: its Publish calls are recorded and its delivery failures alarmed. */
  readonly topic: sns.ITopic;
  /** Consumer queues: their data events (receive, delete) are recorded. */
  readonly queues: readonly sqs.IQueue[];
  /** Dead-letter queues: any message in one raises an alarm. */
  readonly deadLetterQueues: readonly sqs.IQueue[];
  /** Optional e-mail address subscribed to the alerts topic. */
  readonly alertEmail?: string;
}

/**
 * Audit controls: a multi-region CloudTrail trail with log-file validation into an encrypted,
 * versioned bucket and an encrypted log group; KMS management events (every Decrypt and
 * GenerateDataKey is one) plus SNS and SQS data events on this clinic's topic and queues; and
 * alarms on what must never go unnoticed.
 */
export class ClinicAudit extends Construct {
  readonly trail: cloudtrail.Trail;
  readonly trailName: string;
  readonly bucket: s3.Bucket;
  /** Server access logs of the audit buckets (SSE-S3, as S3 log delivery requires). */
  readonly accessLogs: s3.Bucket;
  readonly logGroup: logs.LogGroup;
  readonly alertsTopic: sns.Topic;
  readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ClinicAuditProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.trailName = `${props.prefix}-audit`;

    // Server access logs of the trail bucket: who read the audit log. S3 can only deliver
    // them to an SSE-S3 bucket.
    const accessLogs = (this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(TRAIL_BUCKET_RETENTION_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    }));
    this.bucket = new s3.Bucket(this, 'TrailBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.auditKey,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'trail-bucket/',
      lifecycleRules: [{ expiration: Duration.days(TRAIL_BUCKET_RETENTION_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logGroup = new logs.LogGroup(this, 'TrailLogs', {
      retention: TRAIL_LOG_GROUP_RETENTION,
      encryptionKey: props.auditKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.trail = new cloudtrail.Trail(this, 'Trail', {
      trailName: this.trailName,
      bucket: this.bucket,
      encryptionKey: props.auditKey,
      enableFileValidation: true,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      sendToCloudWatchLogs: true,
      cloudWatchLogGroup: this.logGroup,
    });
    // Advanced event selectors: the L2 only knows S3 and Lambda data events. Management events
    // are all kept: KMS Decrypt/GenerateDataKey are management events, and excluding
    // kms.amazonaws.com would blind the audit of key use.
    const cfnTrail = this.trail.node.defaultChild as cloudtrail.CfnTrail;
    cfnTrail.addPropertyDeletionOverride('EventSelectors');
    cfnTrail.addPropertyOverride('AdvancedEventSelectors', [
      {
        Name: 'Management events, KMS included',
        FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
      },
      {
        Name: 'SNS data events on the patient-records topic',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::SNS::Topic'] },
          { Field: 'resources.ARN', Equals: [props.topic.topicArn] },
        ],
      },
      {
        Name: 'SQS data events on the consumer and dead-letter queues',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::SQS::Queue'] },
          {
            Field: 'resources.ARN',
            Equals: [...props.queues, ...props.deadLetterQueues].map((q) => q.queueArn),
          },
        ],
      },
    ]);

    this.alertsTopic = new sns.Topic(this, 'Alerts', {
      topicName: `${props.prefix}-security-alerts`,
      masterKey: props.auditKey,
      enforceSSL: true,
    });
    this.alertsTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alertsTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.alertEmail)
      this.alertsTopic.addSubscription(new subscriptions.EmailSubscription(props.alertEmail));
    const notify = new cwActions.SnsAction(this.alertsTopic);

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (name: string, alarm: cloudwatch.Alarm) => {
      alarm.addAlarmAction(notify);
      alarms[name] = alarm;
    };

    props.deadLetterQueues.forEach((dlq, i) => {
      add(
        `deadLetter${i}`,
        new cloudwatch.Alarm(this, `DeadLetterDepth${i}`, {
          alarmDescription: `A message reached a dead-letter queue: a consumer could not process it (${dlq.node.path})`,
          metric: dlq.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    });

    add(
      'deliveryFailures',
      new cloudwatch.Alarm(this, 'DeliveryFailures', {
        alarmDescription:
          'SNS could not deliver to a queue: a key or queue policy no longer admits SNS, or the key is unusable',
        metric: props.topic.metricNumberOfNotificationsFailed({
          period: Duration.minutes(5),
          statistic: 'Sum',
        }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    // CIS AWS Foundations style metric filters on the trail's log group.
    const fromTrail = (name: string, pattern: string, description: string) => {
      const filter = new logs.MetricFilter(this, `${name}Filter`, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.literal(pattern),
        metricNamespace: SECURITY_METRIC_NAMESPACE,
        metricName: name,
        metricValue: '1',
      });
      add(
        name,
        new cloudwatch.Alarm(this, name, {
          alarmDescription: description,
          metric: filter.metric({ period: Duration.minutes(5), statistic: 'Sum' }),
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    };
    fromTrail(
      'KeyDisabledOrScheduledForDeletion',
      '{ ($.eventSource = "kms.amazonaws.com") && (($.eventName = "DisableKey") || ($.eventName = "ScheduleKeyDeletion")) }',
      'A KMS key was disabled or scheduled for deletion: SNS deliveries and decryption will fail',
    );
    fromTrail(
      'KeyPolicyChanged',
      // Grants are left out on purpose: RDS creates them in normal operation.
      '{ ($.eventSource = "kms.amazonaws.com") && ($.eventName = "PutKeyPolicy") }',
      'A KMS key policy changed: check who may now decrypt patient records',
    );
    this.alarms = alarms;
  }
}
