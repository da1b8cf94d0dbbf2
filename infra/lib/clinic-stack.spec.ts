/* eslint-disable @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any --
   Synthesized CloudFormation is untyped JSON; these assertions check its shape at run time. */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { APP_PORTS } from './apps';
import type { ClinicStack } from './clinic-stack';
import { KEY_ADMIN_ACTIONS } from './clinic-key';
import { DELIVERY_SUCCESS_SAMPLE_RATE_PERCENT } from './messaging';
import {
  APP_CONTAINER,
  AUDIT_LOG_CONTEXT,
  AUDIT_METRIC_NAMESPACE,
  appDatabaseUser,
  MIGRATE_CONTAINER,
} from './services';
import { logicalIdOf, resourcesOf, synthClinic } from './testing/synth-clinic';

// One synthesis for the whole file: each test reads the same template.
let stack: ClinicStack;
let template: Template;
beforeAll(() => {
  ({ stack, template } = synthClinic());
});

type Statement = {
  Sid?: string;
  Effect: string;
  Principal?: any;
  Action: string | string[];
  Condition?: any;
  Resource?: any;
};
const actions = (s: Statement) => [s.Action].flat();
const keyPolicy = (alias: string): Statement[] => {
  const aliasRes = Object.values(resourcesOf(template, 'AWS::KMS::Alias')).find(
    (a) => a.Properties.AliasName === alias,
  )!;
  const keyId = aliasRes.Properties.TargetKeyId['Fn::GetAtt'][0] as string;
  return template.toJSON().Resources[keyId].Properties.KeyPolicy.Statement as Statement[];
};
const ref = (construct: { node: { defaultChild?: unknown } }) => ({
  'Fn::GetAtt': [logicalIdOf(stack, construct), 'Arn'],
});
const roleRef = (app: keyof typeof APP_PORTS) => ({
  'Fn::GetAtt': [logicalIdOf(stack, stack.roles[app]), 'Arn'],
});
const recordsKeyArn = () => ({ 'Fn::GetAtt': [logicalIdOf(stack, stack.keys.records.key), 'Arn'] });
const topicArnPattern = /:sns:.*clinic-patient-records/;
const json = (v: unknown) => JSON.stringify(v);

describe('KMS keys', () => {
  it('are customer managed, symmetric, with rotation on', () => {
    const keys = Object.values(resourcesOf(template, 'AWS::KMS::Key'));
    expect(keys.length).toBe(3);
    for (const k of keys) {
      expect(k.Properties.EnableKeyRotation).toBe(true);
      expect(k.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    }
  });

  it('separate administrators from users: the account administers but cannot decrypt', () => {
    const statements = keyPolicy('alias/clinic-records');
    const admin = statements.find((s) => s.Sid === 'AccountAdministersThroughIam')!;
    expect(actions(admin).sort()).toEqual([...KEY_ADMIN_ACTIONS].sort());
    for (const s of statements) {
      if (json(s.Principal).includes(':root')) {
        expect(actions(s)).not.toEqual(expect.arrayContaining(['kms:Decrypt']));
        expect(actions(s)).not.toContain('kms:*');
      }
    }
  });

  it('name each key user: the EMR encrypts, each consumer only decrypts', () => {
    const statements = keyPolicy('alias/clinic-records');
    const publisher = statements.find((s) => s.Sid === 'PublisherEncrypts')!;
    expect(publisher.Principal).toEqual({ AWS: roleRef('emr') });
    expect(actions(publisher)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
    for (const consumer of ['billing', 'scheduling', 'prescription'] as const) {
      const s = statements.find((x) => json(x.Principal) === json({ AWS: roleRef(consumer) }))!;
      expect(actions(s)).toContain('kms:Decrypt');
      expect(actions(s).filter((a) => a.startsWith('kms:GenerateDataKey') || a === 'kms:Encrypt')).toEqual(
        [],
      );
    }
  });

  it('let SNS use the queue key only for this topic (aws:SourceArn)', () => {
    const sns = keyPolicy('alias/clinic-records').find((s) => s.Principal?.Service === 'sns.amazonaws.com')!;
    expect(actions(sns).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    expect(json(sns.Condition.ArnEquals['aws:SourceArn'])).toMatch(topicArnPattern);
  });

  it('admit no AWS event source to the records key by default', () => {
    const services = keyPolicy('alias/clinic-records')
      .map((s) => s.Principal?.Service)
      .filter(Boolean);
    expect(services).toEqual(['sns.amazonaws.com']);
  });

  it('admit CloudWatch alarms to the audit key (encrypted alerts topic)', () => {
    const cw = keyPolicy('alias/clinic-audit').find(
      (s) => s.Principal?.Service === 'cloudwatch.amazonaws.com',
    )!;
    expect(actions(cw)).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
  });

  it('have the aliases the apps resolve', () => {
    const aliases = Object.values(resourcesOf(template, 'AWS::KMS::Alias')).map(
      (a) => a.Properties.AliasName,
    );
    expect(aliases.sort()).toEqual(['alias/clinic-audit', 'alias/clinic-database', 'alias/clinic-records']);
  });
});

describe('topic', () => {
  it('is encrypted with the records key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'clinic-patient-records',
      KmsMasterKeyId: recordsKeyArn(),
    });
  });

  const topicStatements = (): Statement[] => {
    const topicId = logicalIdOf(stack, stack.messaging.topic);
    const policy = Object.values(resourcesOf(template, 'AWS::SNS::TopicPolicy')).find(
      (p) => json(p.Properties.Topics) === json([{ Ref: topicId }]),
    )!;
    return policy.Properties.PolicyDocument.Statement;
  };

  it('policy: owner only (allow the account, deny every other account but AWS services)', () => {
    const owner = topicStatements().find((s) => s.Sid === 'OwnerOnly')!;
    expect(owner.Effect).toBe('Allow');
    expect(json(owner.Principal)).toContain(':root');
    const deny = topicStatements().find((s) => s.Sid === 'DenyOtherAccounts')!;
    expect(deny.Effect).toBe('Deny');
    expect(deny.Condition.StringNotEquals['aws:PrincipalAccount']).toEqual({ Ref: 'AWS::AccountId' });
    expect(deny.Condition.Bool['aws:PrincipalIsAWSService']).toBe('false');
  });

  it('policy: HTTPS only', () => {
    const tls = topicStatements().find(
      (s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(tls).toBeDefined();
  });

  it('policy: publishing only through the SNS VPC endpoint, AWS service publishers exempt', () => {
    const s = topicStatements().find((x) => x.Sid === 'PublishOnlyThroughVpcEndpoint')!;
    expect(s.Effect).toBe('Deny');
    expect(actions(s)).toEqual(['sns:Publish']);
    expect(s.Condition.StringNotEquals['aws:SourceVpce']).toEqual({
      Ref: logicalIdOf(stack, stack.network.snsEndpoint),
    });
    expect(s.Condition.Bool['aws:PrincipalIsAWSService']).toBe('false');
  });

  it('logs SQS delivery status (success sampled, failures always) through a dedicated role', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'clinic-patient-records',
      DeliveryStatusLogging: [
        {
          Protocol: 'sqs',
          SuccessFeedbackRoleArn: ref(stack.messaging.deliveryStatusRole),
          FailureFeedbackRoleArn: ref(stack.messaging.deliveryStatusRole),
          SuccessFeedbackSampleRate: String(DELIVERY_SUCCESS_SAMPLE_RATE_PERCENT),
        },
      ],
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'sns.amazonaws.com' } })],
      },
    });
  });
});

describe('queues', () => {
  it('all six (queues and dead-letter queues) use the customer-managed key with 300 s reuse', () => {
    const queues = Object.values(resourcesOf(template, 'AWS::SQS::Queue'));
    expect(queues.length).toBe(6);
    for (const q of queues) {
      expect(q.Properties.KmsMasterKeyId).toEqual(recordsKeyArn());
      expect(q.Properties.KmsDataKeyReusePeriodSeconds).toBe(300);
    }
  });

  it('redrive to their dead-letter queue', () => {
    for (const c of stack.messaging.consumers) {
      template.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: c.declaration.name,
        RedrivePolicy: {
          deadLetterTargetArn: ref(c.deadLetterQueue),
          maxReceiveCount: c.declaration.maxReceiveCount,
        },
      });
    }
  });

  it('admit SNS from this topic only, and HTTPS only', () => {
    for (const c of stack.messaging.consumers) {
      const policy = Object.values(resourcesOf(template, 'AWS::SQS::QueuePolicy')).find(
        (p) => json(p.Properties.Queues) === json([{ Ref: logicalIdOf(stack, c.queue) }]),
      )!;
      const statements: Statement[] = policy.Properties.PolicyDocument.Statement;
      const sns = statements.find((s) => s.Principal?.Service === 'sns.amazonaws.com')!;
      expect(sns.Effect).toBe('Allow');
      expect(actions(sns)).toEqual(['sqs:SendMessage']);
      expect(json(sns.Condition.ArnEquals['aws:SourceArn'])).toMatch(topicArnPattern);
      expect(
        statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false'),
      ).toBe(true);
      expect(statements.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
    }
  });
});

describe('subscriptions', () => {
  it('deliver raw with the declared filter policy on message attributes', () => {
    for (const c of stack.messaging.consumers) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'sqs',
        Endpoint: ref(c.queue),
        RawMessageDelivery: true,
        FilterPolicyScope: 'MessageAttributes',
        FilterPolicy: c.declaration.filterPolicy,
      });
    }
  });
});

describe('IAM (least privilege)', () => {
  const policiesOf = (app: keyof typeof APP_PORTS): Statement[] =>
    Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy'))
      .filter((p) => json(p.Properties.Roles).includes(logicalIdOf(stack, stack.roles[app])))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
  const inlineOf = (app: keyof typeof APP_PORTS) =>
    Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
      json(p.Properties.Roles).includes(logicalIdOf(stack, stack.roles[app])),
    );

  it('EMR: sns:Publish on the topic and the topic key, nothing else of messaging', () => {
    const statements = policiesOf('emr');
    expect(statements.flatMap(actions).sort()).toEqual([
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:GenerateDataKey*',
      'sns:Publish',
    ]);
    const publish = statements.find((s) => actions(s).includes('sns:Publish'))!;
    expect(json(publish.Resource)).toMatch(topicArnPattern);
    const key = statements.find((s) => actions(s).includes('kms:Decrypt'))!;
    expect(key.Resource).toEqual(recordsKeyArn());
    expect(inlineOf('emr')).toEqual([]);
  });

  it.each(['billing', 'scheduling', 'prescription'] as const)(
    '%s: consume its own queue, dead-letter into its own DLQ and decrypt, nothing else',
    (app) => {
      const statements = policiesOf(app);
      const own = stack.messaging.consumers.find((c) => c.declaration.consumer === app)!;
      const dlq = statements.find((s) => s.Sid === 'DeadLetterOwnPoison')!;
      expect(actions(dlq).sort()).toEqual(['sqs:GetQueueUrl', 'sqs:SendMessage']);
      expect(dlq.Resource).toEqual(ref(own.deadLetterQueue));
      const sealing = statements.find((s) => s.Sid === 'SqsSealsDeadLetters')!;
      expect(actions(sealing)).toEqual(['kms:GenerateDataKey']);
      expect(json(sealing.Condition)).toContain('kms:ViaService');
      const sqs = statements.find((s) => s.Sid === 'ConsumeOwnQueue')!;
      expect(actions(sqs).sort()).toEqual(
        [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ].sort(),
      );
      expect(sqs.Resource).toEqual(ref(own.queue));
      const kms = statements.find((s) => s.Sid === 'DecryptOwnQueue')!;
      expect(actions(kms).sort()).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
      expect(kms.Resource).toEqual(recordsKeyArn());
      expect(statements.flatMap(actions).some((a) => a.startsWith('sns:'))).toBe(false);
      expect(inlineOf(app)).toEqual([]);
    },
  );
});

describe('network', () => {
  it('has private isolated subnets only: no internet gateway, no NAT', () => {
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const s of Object.values(resourcesOf(template, 'AWS::EC2::Subnet')))
      expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
  });

  it.each(['sns', 'sqs', 'kms', 'sts', 'logs'])(
    'has a private %s interface endpoint with a policy',
    (service) => {
      const endpoints = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).filter(
        (e) =>
          e.Properties.VpcEndpointType === 'Interface' &&
          json(e.Properties.ServiceName).includes(`.${service}`),
      );
      expect(endpoints).toHaveLength(1);
      expect(endpoints[0].Properties.PrivateDnsEnabled).toBe(true);
      const statements: Statement[] = endpoints[0].Properties.PolicyDocument.Statement;
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements)
        expect(s.Condition.StringEquals['aws:PrincipalAccount']).toEqual({ Ref: 'AWS::AccountId' });
    },
  );

  it('SNS endpoint policy allows publishing to this topic only', () => {
    const sns = Object.values(resourcesOf(template, 'AWS::EC2::VPCEndpoint')).find((e) =>
      json(e.Properties.ServiceName).includes('.sns'),
    )!;
    const [s] = sns.Properties.PolicyDocument.Statement as Statement[];
    expect(actions(s)).toEqual(['sns:Publish']);
    expect(json(s.Resource)).toMatch(topicArnPattern);
  });
});

describe('CloudTrail and alarms', () => {
  it('trail: log-file validation, multi-region, KMS-encrypted, to an encrypted bucket', () => {
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      EnableLogFileValidation: true,
      IsMultiRegionTrail: true,
      KMSKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, stack.keys.audit.key), 'Arn'] },
    });
    const bucket = template.toJSON().Resources[logicalIdOf(stack, stack.audit.bucket)].Properties;
    expect(
      bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('aws:kms');
  });

  it('trail: all management events (KMS included) and SNS/SQS data events', () => {
    const trail = Object.values(resourcesOf(template, 'AWS::CloudTrail::Trail'))[0].Properties;
    const selectors: { FieldSelectors: { Field: string; Equals?: unknown[]; NotEquals?: unknown[] }[] }[] =
      trail.AdvancedEventSelectors;
    const management = selectors.find((s) =>
      s.FieldSelectors.some((f) => f.Field === 'eventCategory' && json(f.Equals) === '["Management"]'),
    )!;
    expect(management.FieldSelectors).toHaveLength(1); // no eventSource exclusion: KMS stays in
    const types = selectors.flatMap((s) =>
      s.FieldSelectors.filter((f) => f.Field === 'resources.type').flatMap((f) => f.Equals),
    );
    expect(types.sort()).toEqual(['AWS::SNS::Topic', 'AWS::SQS::Queue']);
    expect(trail.EventSelectors).toBeUndefined();
  });

  it('alarms on every dead-letter queue holding a message', () => {
    for (const c of stack.messaging.consumers) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [logicalIdOf(stack, c.deadLetterQueue), 'QueueName'] },
          },
        ],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
      });
    }
  });

  it('alarms on SNS delivery failures', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SNS',
      MetricName: 'NumberOfNotificationsFailed',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it.each([
    ['KeyDisabledOrScheduledForDeletion', ['DisableKey', 'ScheduleKeyDeletion']],
    ['KeyPolicyChanged', ['PutKeyPolicy']],
  ])('alarms on %s from the trail', (metric, events) => {
    const filter = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).find(
      (f) => f.Properties.MetricTransformations[0].MetricName === metric,
    )!;
    for (const e of events) expect(filter.Properties.FilterPattern).toContain(`"${e}"`);
    expect(filter.Properties.LogGroupName).toEqual({ Ref: logicalIdOf(stack, stack.audit.logGroup) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: metric,
      AlarmActions: Match.anyValue(),
    });
  });
});

describe('apps', () => {
  it('run the four apps on Fargate from one image, in private subnets', () => {
    const tasks = Object.values(resourcesOf(template, 'AWS::ECS::TaskDefinition'));
    const images = new Set(tasks.map((t) => json(t.Properties.ContainerDefinitions[0].Image)));
    expect(images.size).toBe(1);
    for (const [app, port] of Object.entries(APP_PORTS)) {
      template.hasResourceProperties('AWS::ECS::TaskDefinition', {
        RequiresCompatibilities: ['FARGATE'],
        ContainerDefinitions: [
          // Its own migrations first (a container that runs to completion), then the app.
          Match.objectLike({
            Name: MIGRATE_CONTAINER,
            Essential: false,
            Command: [
              'sh',
              '-c',
              Match.stringLikeRegexp(`exec node dist/tools/clinic/main\\.js migrate --app ${app}$`),
            ],
          }),
          Match.objectLike({
            Name: APP_CONTAINER,
            DependsOn: [{ ContainerName: MIGRATE_CONTAINER, Condition: 'SUCCESS' }],
            Command: ['sh', '-c', Match.stringLikeRegexp(`&& exec node dist/apps/${app}/src/main\\.js$`)],
            Environment: Match.arrayWith([
              { Name: 'CLINIC_PROFILE', Value: 'aws' },
              { Name: 'PORT', Value: String(port) },
            ]),
            HealthCheck: Match.objectLike({ Command: Match.arrayWith([Match.stringLikeRegexp('/health')]) }),
          }),
        ],
      });
    }
    for (const s of Object.values(resourcesOf(template, 'AWS::ECS::Service'))) {
      expect(s.Properties.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp).toBe('DISABLED');
    }
  });

  it('keep their data in an encrypted PostgreSQL with credentials in Secrets Manager', () => {
    template.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, stack.keys.database.key), 'Arn'] },
      PubliclyAccessible: false,
      MasterUserPassword: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([Match.stringLikeRegexp('resolve:secretsmanager')])]),
      }),
    });
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(stack, stack.keys.database.key), 'Arn'] },
    });
  });

  it('scale each consumer on its queue depth', () => {
    const scalingPolicies = Object.keys(resourcesOf(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'));
    const policies = Object.values(resourcesOf(template, 'AWS::CloudWatch::Alarm')).filter(
      (a) =>
        a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible' &&
        scalingPolicies.some((id) => json(a.Properties.AlarmActions).includes(`"${id}"`)),
    );
    expect(policies.length).toBe(6); // scale out and scale in, per consumer
    const queues = new Set(policies.map((a) => json(a.Properties.Dimensions)));
    expect(queues).toEqual(
      new Set(
        stack.messaging.consumers.map((c) =>
          json([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalIdOf(stack, c.queue), 'QueueName'] } }]),
        ),
      ),
    );
    template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 3);
  });
});

describe('per-app database logins', () => {
  const apps = Object.keys(APP_PORTS) as (keyof typeof APP_PORTS)[];
  const containersOf = (app: keyof typeof APP_PORTS): Record<string, any> => {
    const task = template.toJSON().Resources[logicalIdOf(stack, stack.services.services[app].taskDefinition)];
    return Object.fromEntries(task.Properties.ContainerDefinitions.map((c: any) => [c.Name, c]));
  };
  const loginRef = (app: keyof typeof APP_PORTS) => logicalIdOf(stack, stack.services.appLogins[app]);
  const adminRef = () => logicalIdOf(stack, stack.services.database.secret!);
  /** `{ NAME: [secret logical id, field] }` of a container's injected secrets. */
  const secretsOf = (container: any): Record<string, [string, string]> =>
    Object.fromEntries(
      (container.Secrets ?? []).map((s: any) => {
        const [head, field] = s.ValueFrom['Fn::Join'][1];
        return [s.Name, [head.Ref, String(field).replace(/:/g, '')]];
      }),
    );

  it('one secret per app: username <app>_app, a generated password, encrypted with the database key', () => {
    const logins = Object.values(resourcesOf(template, 'AWS::SecretsManager::Secret')).filter((s) =>
      /_app"/.test(s.Properties.GenerateSecretString?.SecretStringTemplate ?? ''),
    );
    expect(logins).toHaveLength(apps.length);
    const users = logins.map(
      (s) => JSON.parse(s.Properties.GenerateSecretString.SecretStringTemplate).username,
    );
    expect(users.sort()).toEqual(apps.map(appDatabaseUser).sort());
    for (const s of logins) {
      expect(s.Properties.GenerateSecretString.GenerateStringKey).toBe('password');
      expect(s.Properties.GenerateSecretString.PasswordLength).toBeGreaterThanOrEqual(32);
      expect(s.Properties.KmsKeyId).toEqual({
        'Fn::GetAtt': [logicalIdOf(stack, stack.keys.database.key), 'Arn'],
      });
    }
    // Attached to the instance: the secret carries host and port too.
    const attachments = Object.values(resourcesOf(template, 'AWS::SecretsManager::SecretTargetAttachment'));
    expect(attachments).toHaveLength(apps.length + 1);
  });

  it.each(apps)(
    "%s: the app container holds its own login only, never the admin's or another app's",
    (app) => {
      const secrets = secretsOf(containersOf(app)[APP_CONTAINER]);
      expect(Object.keys(secrets).sort()).toEqual(['DB_HOST', 'DB_PASSWORD', 'DB_PORT', 'DB_USER']);
      for (const [ref] of Object.values(secrets)) expect(ref).toBe(loginRef(app));
      expect(json(containersOf(app)[APP_CONTAINER])).not.toContain(adminRef());
      for (const other of apps.filter((a) => a !== app))
        expect(json(containersOf(app)[APP_CONTAINER])).not.toContain(loginRef(other));
    },
  );

  it.each(apps)("%s: the migrate container gets the admin login plus the app's login to create", (app) => {
    const secrets = secretsOf(containersOf(app)[MIGRATE_CONTAINER]);
    for (const name of ['DB_USER', 'DB_PASSWORD', 'DB_HOST', 'DB_PORT'])
      expect(secrets[name][0]).toBe(adminRef());
    expect(secrets.CLINIC_APP_DB_USER).toEqual([loginRef(app), 'username']);
    expect(secrets.CLINIC_APP_DB_PASSWORD).toEqual([loginRef(app), 'password']);
    for (const other of apps.filter((a) => a !== app))
      expect(json(containersOf(app)[MIGRATE_CONTAINER])).not.toContain(loginRef(other));
  });

  it.each(apps)("%s: the task may read the admin secret and its own login, no other app's", (app) => {
    const executionRole = stack.services.services[app].taskDefinition.executionRole!;
    const policies = Object.values(resourcesOf(template, 'AWS::IAM::Policy')).filter((p) =>
      json(p.Properties.Roles).includes(logicalIdOf(stack, executionRole as any)),
    );
    const readable = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .filter((s) => actions(s).includes('secretsmanager:GetSecretValue'))
      .flatMap((s) => [s.Resource].flat())
      .map((r: any) => r.Ref);
    expect(new Set(readable)).toEqual(new Set([adminRef(), loginRef(app)]));
    // The task role (the app's own AWS identity) reads no secret at all.
    expect(json(policiesOfRole(stack.roles[app]))).not.toContain('secretsmanager');
  });

  const policiesOfRole = (role: object) =>
    [
      ...Object.values(resourcesOf(template, 'AWS::IAM::Policy')),
      ...Object.values(resourcesOf(template, 'AWS::IAM::ManagedPolicy')),
    ].filter((p) => json(p.Properties.Roles).includes(logicalIdOf(stack, role as any)));
});

describe('audit entries in CloudWatch Logs', () => {
  const apps = Object.keys(APP_PORTS) as (keyof typeof APP_PORTS)[];
  const auditKeyArn = () => ({ 'Fn::GetAtt': [logicalIdOf(stack, stack.keys.audit.key), 'Arn'] });
  const groupOf = (container: any) => container.LogConfiguration.Options['awslogs-group'].Ref as string;

  it.each(apps)(
    '%s: its log group (app and migrate step) keeps six years, under the audit key, retained',
    (app) => {
      const task =
        template.toJSON().Resources[logicalIdOf(stack, stack.services.services[app].taskDefinition)];
      const groups = new Set<string>(task.Properties.ContainerDefinitions.map(groupOf));
      expect(groups.size).toBe(1);
      const [id] = [...groups];
      expect(id).toBe(logicalIdOf(stack, stack.services.appLogGroups[app]));
      const group = template.toJSON().Resources[id];
      expect(group.Properties.RetentionInDays).toBe(2192);
      expect(group.Properties.KmsKeyId).toEqual(auditKeyArn());
      expect(group.DeletionPolicy).toBe('Retain');
      const app_ = task.Properties.ContainerDefinitions.find((c: any) => c.Name === APP_CONTAINER);
      expect(app_.Environment).toEqual(expect.arrayContaining([{ Name: 'LOG_FORMAT', Value: 'json' }]));
    },
  );

  it.each(apps)('%s: a metric filter counts its audit entries', (app) => {
    const filters = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).filter(
      (f) =>
        json(f.Properties.LogGroupName) ===
        json({ Ref: logicalIdOf(stack, stack.services.appLogGroups[app]) }),
    );
    expect(filters).toHaveLength(1);
    expect(filters[0].Properties.FilterPattern).toBe(`{ $.context = "${AUDIT_LOG_CONTEXT}" }`);
    expect(filters[0].Properties.MetricTransformations[0].MetricNamespace).toBe(AUDIT_METRIC_NAMESPACE);
  });

  it("the filter's field is where the apps' JSON logger puts the context", async () => {
    const { createLogger } = await import('@app/platform');
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      createLogger({ app: 'emr', logFormat: 'json' }).log({ event: 'audit', seq: 1 }, AUDIT_LOG_CONTEXT);
    } finally {
      write.mockRestore();
    }
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]);
    const pattern = Object.values(resourcesOf(template, 'AWS::Logs::MetricFilter')).find((f) =>
      String(f.Properties.FilterPattern).includes('$.context'),
    )!.Properties.FilterPattern as string;
    const [, field, value] = /^\{ \$\.(\w+) = "([^"]+)" \}$/.exec(pattern)!;
    expect(line[field]).toBe(value);
  });

  it('a saved Logs Insights query reads every app’s audit entries', () => {
    const [query] = Object.values(resourcesOf(template, 'AWS::Logs::QueryDefinition'));
    expect(query.Properties.QueryString).toContain(`filter context = "${AUDIT_LOG_CONTEXT}"`);
    expect(new Set(query.Properties.LogGroupNames.map((g: any) => g.Ref))).toEqual(
      new Set(apps.map((a) => logicalIdOf(stack, stack.services.appLogGroups[a]))),
    );
  });
});
