import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { DockerImageAsset, Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { APP_PORTS, type AppName, appStartCommand, nodeHealthCheckScript } from './apps';
import { pascal } from './messaging';

/** The repository root: the Docker build context of the one image all four apps run from. */
export const REPOSITORY_ROOT = path.resolve(__dirname, '..', '..');

/** Database master user; each app gets its own database on the instance. */
const DB_ADMIN_USER = 'clinic_admin';
/**
 * Characters left out of the generated password: it is put into a `postgres://` URL inside a
 * shell command, so nothing that URLs or `sh` treat specially.
 */
const DB_PASSWORD_EXCLUDED = ' %+~`#$&*()|[]{}:;<>?!\'/@"\\=,.^';
/** PostgreSQL logs exported to CloudWatch: server log (connections, errors) and upgrade log. */
const DB_LOG_EXPORTS = ['postgresql', 'upgrade'] as const;
const DB_PORT = 5432;
const APP_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/** Consumers scale between these task counts on their queue depth. */
const MIN_CONSUMER_TASKS = 1;
const MAX_CONSUMER_TASKS = 4;

/** Where the container image comes from. */
export type ImageSource =
  /** Built from the repository's Dockerfile by `cdk deploy` (needs Docker on the deploying machine). */
  | { readonly kind: 'asset' }
  /** Pre-built and pushed by CI, e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com/clinic:1.2.3`. */
  | { readonly kind: 'uri'; readonly uri: string };

/** Options of {@link ClinicServices}. */
export interface ClinicServicesProps {
  readonly prefix: string;
  readonly vpc: ec2.IVpc;
  /** Security group every app task runs in; admitted to the database. */
  readonly appsSecurityGroup: ec2.ISecurityGroup;
  /** Task role of each app: what it may do on SNS, SQS and KMS was granted elsewhere. */
  readonly taskRoles: Readonly<Record<AppName, iam.Role>>;
  /** Queue each consumer polls; its depth drives scaling. */
  readonly consumerQueues: Readonly<Partial<Record<AppName, sqs.IQueue>>>;
  /** Encrypts the database storage, its secret and Performance Insights. */
  readonly databaseKey: kms.IKey;
  /** Encrypts the container log groups. */
  readonly logsKey: kms.IKey;
  readonly image: ImageSource;
  /** Extra environment every app gets (the messaging configuration). */
  readonly environment: Readonly<Record<string, string>>;
}

/**
 * The four apps on ECS Fargate in the isolated subnets, from one image, and the PostgreSQL
 * instance they keep their own databases on.
 */
export class ClinicServices extends Construct {
  readonly cluster: ecs.Cluster;
  readonly database: rds.DatabaseInstance;
  readonly services: Readonly<Record<AppName, ecs.FargateService>>;
  /** One-shot task that creates the four databases (run once after the first deploy). */
  readonly dbInitTask: ecs.FargateTaskDefinition;
  readonly image: ecs.ContainerImage;

  constructor(scope: Construct, id: string, props: ClinicServicesProps) {
    super(scope, id);
    const subnets = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      clusterName: props.prefix,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'DbParameters', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      // Transmission security inside the VPC too: the server refuses clients without TLS.
      parameters: { 'rds.force_ssl': '1', log_connections: '1', log_disconnections: '1' },
    });
    this.database = new rds.DatabaseInstance(this, 'Database', {
      engine: rds.DatabaseInstanceEngine.postgres({ version: rds.PostgresEngineVersion.VER_17 }),
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: subnets,
      multiAz: true,
      parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret(DB_ADMIN_USER, {
        encryptionKey: props.databaseKey,
        excludeCharacters: DB_PASSWORD_EXCLUDED,
      }),
      storageEncrypted: true,
      storageEncryptionKey: props.databaseKey,
      allocatedStorage: 20,
      maxAllocatedStorage: 100,
      backupRetention: Duration.days(7),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      instanceIdentifier: `${props.prefix}-db`,
      port: DB_PORT,
      cloudwatchLogsExports: [...DB_LOG_EXPORTS],
      monitoringInterval: Duration.seconds(60),
      iamAuthentication: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: props.databaseKey,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
    });
    // RDS creates its log groups on first write, unencrypted and kept forever; creating them
    // first gives them our key and a retention (without CDK's log-retention Lambda).
    for (const log of DB_LOG_EXPORTS) {
      const group = new logs.LogGroup(this, `Db${pascal(log)}Logs`, {
        logGroupName: `/aws/rds/instance/${props.prefix}-db/${log}`,
        retention: APP_LOG_RETENTION,
        encryptionKey: props.logsKey,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      this.database.node.addDependency(group);
    }
    // Both directions in one call: egress on the apps group, ingress on the database group.
    props.appsSecurityGroup.connections.allowTo(
      this.database,
      ec2.Port.tcp(DB_PORT),
      'clinic apps reach their databases',
    );
    const secret = this.database.secret!;

    this.image =
      props.image.kind === 'uri'
        ? ecs.ContainerImage.fromRegistry(props.image.uri)
        : ecs.ContainerImage.fromDockerImageAsset(
            new DockerImageAsset(this, 'Image', {
              directory: REPOSITORY_ROOT,
              file: 'Dockerfile',
              platform: Platform.LINUX_AMD64,
            }),
          );

    const dbSecrets = {
      DB_USER: ecs.Secret.fromSecretsManager(secret, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(secret, 'password'),
      DB_HOST: ecs.Secret.fromSecretsManager(secret, 'host'),
      DB_PORT: ecs.Secret.fromSecretsManager(secret, 'port'),
    };
    // The apps read one DATABASE_URL; ECS can only inject secret fields one by one, so the
    // container's shell assembles the URL at start and never writes it anywhere.
    const withDatabaseUrl = (then: string) => [
      'sh',
      '-c',
      'export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=require" && ' +
        then,
    ];

    const services: Partial<Record<AppName, ecs.FargateService>> = {};
    for (const app of Object.keys(APP_PORTS) as AppName[]) {
      const id = pascal(app);
      const port = APP_PORTS[app];
      const task = new ecs.FargateTaskDefinition(this, `${id}Task`, {
        cpu: 256,
        memoryLimitMiB: 512,
        taskRole: props.taskRoles[app],
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
      task.addContainer('app', {
        image: this.image,
        command: withDatabaseUrl(appStartCommand(app)),
        environment: { ...props.environment, PORT: String(port), DB_NAME: app },
        secrets: dbSecrets,
        portMappings: [{ containerPort: port }],
        readonlyRootFilesystem: true,
        healthCheck: {
          command: ['CMD', 'node', '-e', nodeHealthCheckScript()],
          interval: Duration.seconds(30),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(30),
        },
        logging: ecs.LogDrivers.awsLogs({
          streamPrefix: app,
          logGroup: this.logGroup(`${id}Logs`, props.logsKey),
        }),
      });
      const service = new ecs.FargateService(this, `${id}Service`, {
        cluster: this.cluster,
        taskDefinition: task,
        serviceName: `${props.prefix}-${app}`,
        desiredCount: 1,
        vpcSubnets: subnets,
        securityGroups: [props.appsSecurityGroup],
        assignPublicIp: false,
        minHealthyPercent: 100,
        circuitBreaker: { rollback: true },
      });
      services[app] = service;

      const queue = props.consumerQueues[app];
      if (queue) {
        const scaling = service.autoScaleTaskCount({
          minCapacity: MIN_CONSUMER_TASKS,
          maxCapacity: MAX_CONSUMER_TASKS,
        });
        // Step scaling on the backlog: one more task per 100 waiting records, three at 500.
        scaling.scaleOnMetric('QueueDepth', {
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          scalingSteps: [
            { upper: 0, change: -1 },
            { lower: 100, change: +1 },
            { lower: 500, change: +3 },
          ],
          adjustmentType: appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
          cooldown: Duration.minutes(2),
        });
      }
    }
    this.services = services as Record<AppName, ecs.FargateService>;

    // Creates the four app databases on the instance; idempotent, run once after deploying.
    this.dbInitTask = new ecs.FargateTaskDefinition(this, 'DbInitTask', { cpu: 256, memoryLimitMiB: 512 });
    const createDatabases =
      "const {Client}=require('pg');(async()=>{const c=new Client({connectionString:process.env.DATABASE_URL});await c.connect();" +
      `for(const d of ${JSON.stringify(Object.keys(APP_PORTS))}){const r=await c.query('select 1 from pg_database where datname=$1',[d]);` +
      "if(!r.rowCount){await c.query('create database '+d);console.log('created '+d)}}await c.end()})().catch(e=>{console.error(e.message);process.exit(1)})";
    this.dbInitTask.addContainer('db-init', {
      image: this.image,
      command: withDatabaseUrl(
        `exec node -e "${createDatabases.replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`,
      ),
      environment: { DB_NAME: 'postgres' },
      secrets: dbSecrets,
      readonlyRootFilesystem: true,
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'db-init',
        logGroup: this.logGroup('DbInitLogs', props.logsKey),
      }),
    });
  }

  private logGroup(id: string, key: kms.IKey): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: APP_LOG_RETENTION,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
