import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Options of {@link ClinicNetwork}. */
export interface ClinicNetworkProps {
  /** ARN of the patient-records topic: the only topic reachable through the SNS endpoint. */
  readonly topicArn: string;
  /** ARNs of the consumer queues: the only queues reachable through the SQS endpoint. */
  readonly queueArns: readonly string[];
  /** The records key: the only key usable through the KMS endpoint. */
  readonly recordsKey: kms.IKey;
  /** Encrypts the VPC flow logs. */
  readonly logsKey: kms.IKey;
}

/** Flow-log retention: a year covers incident reviews; HIPAA's 6 years applies to documentation. */
const FLOW_LOG_RETENTION = logs.RetentionDays.ONE_YEAR;

/**
 * A VPC with private, isolated subnets only (no internet gateway, no NAT): the apps reach SNS,
 * SQS, KMS, STS, CloudWatch Logs, ECR and Secrets Manager through interface endpoints
 * (PrivateLink), and each endpoint's policy narrows what can be done through it to this
 * account's principals and, for messaging, to this clinic's resources.
 */
export class ClinicNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** The SNS endpoint; the topic policy denies publishing from anywhere else. */
  readonly snsEndpoint: ec2.InterfaceVpcEndpoint;
  readonly endpoints: Readonly<Record<string, ec2.InterfaceVpcEndpoint>>;
  /** The S3 gateway endpoint (image layers, the mirrored sign-in keys). */
  readonly s3Endpoint: ec2.GatewayVpcEndpoint;
  /** Security group of the app tasks: the only one admitted to the endpoints and the database. */
  readonly appsSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: ClinicNetworkProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogs', {
      retention: FLOW_LOG_RETENTION,
      encryptionKey: props.logsKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: ec2.FlowLogTrafficType.ALL,
    });

    this.appsSecurityGroup = new ec2.SecurityGroup(this, 'AppsSecurityGroup', {
      vpc: this.vpc,
      description: 'Clinic app tasks: reach the interface endpoints and the database only',
      allowAllOutbound: false,
    });
    // HTTPS out can only reach the VPC endpoints: the subnets have no route to the internet.
    // (The S3 gateway endpoint's prefix list id is not known offline, hence no narrower peer.)
    this.appsSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'AWS APIs through the VPC endpoints',
    );

    // Only principals of this account may use the endpoints at all.
    const inAccount = { StringEquals: { 'aws:PrincipalAccount': stack.account } };
    const allow = (actions: string[], resources: string[]) =>
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions,
        resources,
        conditions: inAccount,
      });

    const endpoint = (
      name: string,
      service: ec2.InterfaceVpcEndpointAwsService,
      statements: iam.PolicyStatement[],
    ) => {
      const ep = this.vpc.addInterfaceEndpoint(name, {
        service,
        privateDnsEnabled: true,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        // Not open to the whole VPC: only the app tasks may reach the endpoint (HTTPS).
        open: false,
      });
      ep.connections.allowDefaultPortFrom(this.appsSecurityGroup, `clinic apps reach ${name}`);
      statements.forEach((s) => ep.addToPolicy(s));
      return ep;
    };

    this.snsEndpoint = endpoint('Sns', ec2.InterfaceVpcEndpointAwsService.SNS, [
      allow(['sns:Publish'], [props.topicArn]),
    ]);
    const sqs = endpoint('Sqs', ec2.InterfaceVpcEndpointAwsService.SQS, [
      allow(
        [
          'sqs:ReceiveMessage',
          'sqs:DeleteMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
        ],
        [...props.queueArns],
      ),
    ]);
    const kmsEndpoint = endpoint('Kms', ec2.InterfaceVpcEndpointAwsService.KMS, [
      allow(['kms:GenerateDataKey*', 'kms:Decrypt', 'kms:DescribeKey'], [props.recordsKey.keyArn]),
    ]);
    const sts = endpoint('Sts', ec2.InterfaceVpcEndpointAwsService.STS, [
      allow(['sts:GetCallerIdentity'], ['*']),
    ]);
    const logsEndpoint = endpoint('Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS, [
      allow(
        ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        [
          stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      ),
    ]);
    // Pulling the container image and reading the database secret stay private too.
    const ecrApi = endpoint('EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR, [
      allow(['ecr:GetAuthorizationToken'], ['*']),
      allow(
        ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      ),
    ]);
    const ecrDocker = endpoint('EcrDocker', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER, [
      allow(
        ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
        [stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: '*' })],
      ),
    ]);
    const secrets = endpoint('SecretsManager', ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER, [
      allow(
        ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        [
          stack.formatArn({
            service: 'secretsmanager',
            resource: 'secret',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      ),
    ]);
    // ECR serves image layers from S3; a gateway endpoint keeps that private and free.
    const s3 = (this.s3Endpoint = this.vpc.addGatewayEndpoint('S3', {
      service: ec2.GatewayVpcEndpointAwsService.S3,
      subnets: [{ subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
    }));
    s3.addToPolicy(
      new iam.PolicyStatement({
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:GetObject'],
        resources: [`arn:${stack.partition}:s3:::prod-${stack.region}-starport-layer-bucket/*`],
      }),
    );

    this.endpoints = {
      sns: this.snsEndpoint,
      sqs,
      kms: kmsEndpoint,
      sts,
      logs: logsEndpoint,
      ecrApi,
      ecrDocker,
      secrets,
    };
  }
}
