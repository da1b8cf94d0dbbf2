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
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { appNamed, CLINIC_APPS, databaseNames } from '@app/clinic';
import { type AppName, appMigrateCommand, appRunCommand, nodeHealthCheckScript } from './apps';
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
/** Operational logs without audit entries (database server, one-shot database creation). */
const APP_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;
/**
 * The apps' log groups hold their audit entries (one JSON line each, logger context `Audit`),
 * so they are kept six years: HIPAA's retention for documentation of safeguards. The apps never
 * log PHI, so keeping their other lines as long exposes nothing more.
 */
export const AUDIT_LOG_RETENTION = logs.RetentionDays.SIX_YEARS;
/** The logger context of the audit entries' log lines (libs/platform/src/audit). */
export const AUDIT_LOG_CONTEXT = 'Audit';
/** Namespace of the per-app count of audit entries (metric filters on the apps' log groups). */
export const AUDIT_METRIC_NAMESPACE = 'Clinic/Audit';
/** Each app's own database login: `<app>_app`, as the migrate step creates it. */
export const appDatabaseUser = (app: AppName) => appNamed(app).database.login;
/** Name of the container that migrates an app's database before the app starts. */
export const MIGRATE_CONTAINER = 'migrate';
export const APP_CONTAINER = 'app';
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
  /** Encrypts the container log groups (the apps' audit entries among them). */
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
  /** Each app's own database login (username `<app>_app`, generated password, host, port). */
  readonly appLogins: Readonly<Record<AppName, secretsmanager.ISecret>>;
  /** The secrets behind {@link appLogins}. */
  readonly appLoginSecrets: Readonly<Record<AppName, secretsmanager.Secret>>;
  /** Each app's log group: its audit entries land here, kept six years. */
  readonly appLogGroups: Readonly<Record<AppName, logs.LogGroup>>;
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

    const connectionOf = (login: secretsmanager.ISecret) => ({
      DB_USER: ecs.Secret.fromSecretsManager(login, 'username'),
      DB_PASSWORD: ecs.Secret.fromSecretsManager(login, 'password'),
      DB_HOST: ecs.Secret.fromSecretsManager(login, 'host'),
      DB_PORT: ecs.Secret.fromSecretsManager(login, 'port'),
    });
    const dbSecrets = connectionOf(secret);
    // The apps read one DATABASE_URL; ECS can only inject secret fields one by one, so the
    // container's shell assembles the URL at start and never writes it anywhere.
    const withDatabaseUrl = (then: string) => [
      'sh',
      '-c',
      'export DATABASE_URL="postgres://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$DB_NAME?sslmode=require" && ' +
        then,
    ];

    const services: Partial<Record<AppName, ecs.FargateService>> = {};
    const appLogins: Partial<Record<AppName, secretsmanager.ISecret>> = {};
    const appLoginSecrets: Partial<Record<AppName, secretsmanager.Secret>> = {};
    const appLogGroups: Partial<Record<AppName, logs.LogGroup>> = {};
    for (const { name: app, port: portSetting, database } of CLINIC_APPS) {
      const id = pascal(app);
      const port = portSetting.default;
      // The app's own login: a non-superuser that reaches only its own database. Attached to
      // the instance so the secret also carries host and port (the app never sees the admin's).
      const loginSecret = new secretsmanager.Secret(this, `${id}DbLogin`, {
        secretName: `${props.prefix}-${app}-db-login`,
        description: `${props.prefix}: the ${app} app's own PostgreSQL login (not the admin)`,
        encryptionKey: props.databaseKey,
        generateSecretString: {
          secretStringTemplate: JSON.stringify({ username: appDatabaseUser(app) }),
          generateStringKey: 'password',
          passwordLength: 32,
          excludeCharacters: DB_PASSWORD_EXCLUDED,
        },
      });
      const login = loginSecret.attach(this.database);
      appLoginSecrets[app] = loginSecret;
      appLogins[app] = login;
      const logGroup = this.auditedLogGroup(app, props.logsKey);
      appLogGroups[app] = logGroup;

      const task = new ecs.FargateTaskDefinition(this, `${id}Task`, {
        cpu: 256,
        memoryLimitMiB: 512,
        taskRole: props.taskRoles[app],
        runtimePlatform: {
          cpuArchitecture: ecs.CpuArchitecture.X86_64,
          operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
        },
      });
      // Two containers, so that the admin credentials never enter the app's process: the
      // migrate container (admin login + the app's login, which it creates or updates with its
      // grants) runs to completion, then the app container starts with its own login only.
      const migrateContainer = task.addContainer(MIGRATE_CONTAINER, {
        image: this.image,
        essential: false,
        command: withDatabaseUrl(appMigrateCommand(app)),
        environment: { ...props.environment, DB_NAME: database.name },
        secrets: {
          ...dbSecrets,
          CLINIC_APP_DB_USER: ecs.Secret.fromSecretsManager(login, 'username'),
          CLINIC_APP_DB_PASSWORD: ecs.Secret.fromSecretsManager(login, 'password'),
        },
        readonlyRootFilesystem: true,
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: `${app}-migrate`, logGroup }),
      });
      const appContainer = task.addContainer(APP_CONTAINER, {
        image: this.image,
        command: withDatabaseUrl(appRunCommand(app)),
        environment: { ...props.environment, PORT: String(port), DB_NAME: database.name },
        secrets: connectionOf(login),
        portMappings: [{ containerPort: port }],
        readonlyRootFilesystem: true,
        healthCheck: {
          command: ['CMD', 'node', '-e', nodeHealthCheckScript()],
          interval: Duration.seconds(30),
          timeout: Duration.seconds(5),
          retries: 3,
          startPeriod: Duration.seconds(30),
        },
        logging: ecs.LogDrivers.awsLogs({ streamPrefix: app, logGroup }),
      });
      appContainer.addContainerDependencies({
        container: migrateContainer,
        condition: ecs.ContainerDependencyCondition.SUCCESS,
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
    this.appLogins = appLogins as Record<AppName, secretsmanager.ISecret>;
    this.appLoginSecrets = appLoginSecrets as Record<AppName, secretsmanager.Secret>;
    this.appLogGroups = appLogGroups as Record<AppName, logs.LogGroup>;

    // The privacy officer's starting point in the console: every app's audit entries, newest first.
    new logs.QueryDefinition(this, 'AuditTrailQuery', {
      queryDefinitionName: `${props.prefix}/audit-trail`,
      queryString: new logs.QueryString({
        fields: ['@timestamp', '@logStream', 'message'],
        filterStatements: [`context = "${AUDIT_LOG_CONTEXT}"`],
        sort: '@timestamp desc',
        limit: 1000,
      }),
      logGroups: Object.values(this.appLogGroups),
    });

    // Creates the apps' databases on the instance; idempotent, run once after deploying.
    this.dbInitTask = new ecs.FargateTaskDefinition(this, 'DbInitTask', { cpu: 256, memoryLimitMiB: 512 });
    const createDatabases =
      "const {Client}=require('pg');(async()=>{const c=new Client({connectionString:process.env.DATABASE_URL});await c.connect();" +
      `for(const d of ${JSON.stringify(databaseNames())}){const r=await c.query('select 1 from pg_database where datname=$1',[d]);` +
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
        logGroup: new logs.LogGroup(this, 'DbInitLogs', {
          retention: APP_LOG_RETENTION,
          encryptionKey: props.logsKey,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
      }),
    });
  }

  /**
   * An app's log group, where its audit entries land: encrypted with the audit key, kept six
   * years and retained when the stack goes. A metric filter counts the audit entries, so that a
   * reviewer can see them arrive (and alarm on them) without reading a line.
   */
  private auditedLogGroup(app: AppName, key: kms.IKey): logs.LogGroup {
    const id = pascal(app);
    const group = new logs.LogGroup(this, `${id}Logs`, {
      retention: AUDIT_LOG_RETENTION,
      encryptionKey: key,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new logs.MetricFilter(this, `${id}AuditEntries`, {
      logGroup: group,
      filterPattern: logs.FilterPattern.stringValue('$.context', '=', AUDIT_LOG_CONTEXT),
      metricNamespace: AUDIT_METRIC_NAMESPACE,
      metricName: `${id}AuditEntries`,
      metricValue: '1',
    });
    return group;
  }
}
