import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { startEmbeddedBroker as startBroker } from '../embedded/embedded-broker';
import { createAwsClients, type AwsClients } from '../config/aws-clients';
import { provisionTopology, type ProvisionReport } from '../provisioning/provision';
import { SID, type PolicyDocument } from '../plan/policies';
import {
  MOTO_CREDENTIALS,
  describeWithMoto,
  startMotoWithClients,
  type MotoWithClients,
  type MotoServer,
} from '../testing/moto-server';
import { runDoctor, type DoctorReport } from './doctor';
import { DOCTOR_LINE_WIDTH, renderDoctorReport } from './render';
import { orderEventsTopology } from '../testing';

const topology = orderEventsTopology('doc');
const KEY = 'kms-key alias/doc-orders';
const failures = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail');
/** How this project names re-running provisioning: the doctor's fixes say it so. */
const hints = { provision: 'run npm run clinic -- provision' };
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describeWithMoto()('doctor on moto (aws profile)', () => {
  let moto: MotoServer;
  let clients: AwsClients;
  let provisioned: ProvisionReport;
  const provision = () => provisionTopology({ topology, clients, profile: 'aws', endpoint: moto.endpoint });
  const doctor = () => runDoctor({ topology, clients, profile: 'aws', endpoint: moto.endpoint, hints });
  const keyId = async () => (await clients.kms.describeKey({ KeyId: 'alias/doc-orders' })).KeyMetadata?.KeyId;
  const setQueue = (url: string, Attributes: Record<string, string>) =>
    clients.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes }));

  let running: MotoWithClients | undefined;
  beforeAll(async () => {
    running = await startMotoWithClients();
    ({ moto, clients } = running);
  });
  afterAll(() => running?.stop());

  it('fails everything as missing before provisioning, naming the fix', async () => {
    const report = await doctor();
    expect(report.ok).toBe(false);
    expect(failures(report)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'topic.exists', resource: 'topic doc-order-events' }),
        expect.objectContaining({ id: 'key.exists', resource: KEY }),
        expect.objectContaining({ id: 'queue.exists', resource: 'queue doc-invoicing' }),
        expect.objectContaining({
          id: 'dead-letter-queue.exists',
          resource: 'dead-letter-queue doc-invoicing-dlq',
        }),
      ]),
    );
    for (const check of failures(report)) expect(check.fix).toContain('npm run clinic -- provision');
  });

  it('passes on a fresh provision, warning that moto enforces nothing', async () => {
    provisioned = await provision();
    const report = await doctor();
    expect(failures(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks).toContainEqual(
      expect.objectContaining({
        id: 'endpoint.enforcement',
        status: 'warn',
        resource: `endpoint ${moto.endpoint}`,
      }),
    );
    const ids = new Set(report.checks.filter((c) => c.status === 'pass').map((c) => c.id));
    for (const id of [
      'key.state',
      'key.rotation',
      'key.symmetric',
      'key.sns-access',
      'key.publisher-access',
      'topic.encryption',
      'topic.https-only',
      'queue.encryption',
      'queue.sns-send',
      'queue.https-only',
      'queue.reuse-period',
      'dead-letter-queue.encryption',
      'subscription.raw-delivery',
      'subscription.filter-policy',
      'phi.filter-attributes',
    ]) {
      expect(ids).toContain(id);
    }
    for (const check of report.checks.filter((c) => c.status !== 'pass')) expect(check.fix).toBeTruthy();
    expect(renderDoctorReport(report)).toMatch(/^OK: \d+ passed, \d+ warnings?, 0 failed$/m);
  });

  // Each case breaks one thing behind provisioning's back, expects the doctor to fail on exactly
  // that resource, then expects re-provisioning to repair it.
  const cases: {
    name: string;
    resource: () => string;
    ids: string[];
    breakIt: () => Promise<unknown>;
    /** Text the failing check's fix must hold. */
    fix?: () => string;
  }[] = [
    {
      name: '(a) a subscribed queue on the AWS-managed alias/aws/sqs key',
      resource: () => 'queue doc-invoicing',
      ids: ['queue.encryption'],
      breakIt: () => setQueue(provisioned.queues.invoicing.url, { KmsMasterKeyId: 'alias/aws/sqs' }),
    },
    {
      name: '(b) a key policy without the SNS statement',
      resource: () => KEY,
      ids: ['key.sns-access'],
      breakIt: async () => {
        const id = await keyId();
        const live = await clients.kms.getKeyPolicy({ KeyId: id, PolicyName: 'default' });
        const policy = JSON.parse(live.Policy ?? '{}') as PolicyDocument;
        policy.Statement = policy.Statement.filter((s) => s.Sid !== SID.snsService);
        await clients.kms.putKeyPolicy({ KeyId: id, PolicyName: 'default', Policy: JSON.stringify(policy) });
      },
    },
    {
      name: '(c) a queue policy removed',
      resource: () => 'queue doc-shipping',
      ids: ['queue.sns-send', 'queue.https-only'],
      breakIt: () => setQueue(provisioned.queues.shipping.url, { Policy: '' }),
    },
    {
      name: '(d) the key disabled',
      resource: () => KEY,
      ids: ['key.state'],
      // moto 5.2.1 wants the key id here; an ARN gives a 500.
      breakIt: async () => clients.kms.disableKey({ KeyId: await keyId() }),
      // The aws CLI command of the fix goes to moto, not to the real AWS account.
      fix: () => `aws kms enable-key --key-id ${disabledKeyId} --endpoint-url ${moto.endpoint}`,
    },
    {
      name: '(e) a dead-letter queue left unencrypted',
      resource: () => 'dead-letter-queue doc-shipping-dlq',
      ids: ['dead-letter-queue.encryption'],
      breakIt: () => setQueue(provisioned.queues.shipping.dlqUrl, { KmsMasterKeyId: '' }),
    },
  ];

  let disabledKeyId = '';
  it.each(cases)('catches $name, and re-provisioning repairs it', async ({ resource, ids, breakIt, fix }) => {
    disabledKeyId = (await keyId()) ?? '';
    await breakIt();
    const broken = await doctor();
    expect(broken.ok).toBe(false);
    for (const id of ids) {
      expect(failures(broken)).toContainEqual(
        expect.objectContaining({ id, resource: resource(), status: 'fail' }),
      );
    }
    // Nothing else is blamed (moto may drop the queue policy along with the change: same resource).
    expect(new Set(failures(broken).map((c) => c.resource))).toEqual(new Set([resource()]));
    // Grouped output: the resource's heading carries the verdict, the failing check sits under it.
    const rendered = renderDoctorReport(broken);
    expect(rendered).toMatch(new RegExp(`^${escaped(resource())} +FAIL {2}\\d+ failed`, 'm'));
    for (const id of ids) expect(rendered).toContain(`[${id}]`);
    if (fix) {
      expect(failures(broken).map((c) => c.fix)).toContainEqual(expect.stringContaining(fix()));
      expect(rendered.replace(/\s+/g, ' ')).toContain(fix());
    }

    const repaired = await provision();
    expect(repaired.rows.filter((r) => r.outcome === 'updated').map((r) => r.resource)).toContain(resource());
    const healthy = await doctor();
    expect(failures(healthy)).toEqual([]);
  });

  it('reports the diff provisioning applies: a drifted attribute is named by both', async () => {
    // moto may drop the queue policy along with the change: then both name it too.
    await setQueue(provisioned.queues.invoicing.url, { VisibilityTimeout: '7' });
    const drift = (await doctor()).checks.find(
      (c) => c.id === 'queue.drift' && c.resource === 'queue doc-invoicing',
    );
    expect(drift?.status).toBe('warn');
    expect(drift?.message).toContain('VisibilityTimeout');
    const repaired = await provision();
    const changed = repaired.rows.filter((r) => r.outcome !== 'unchanged');
    expect(changed).toEqual([
      expect.objectContaining({ resource: 'queue doc-invoicing', outcome: 'updated' }),
    ]);
    expect(changed[0].changes).toContain('VisibilityTimeout');
    expect(drift?.message).toBe(`differs from the plan: ${changed[0].changes.join(', ')}`);
    const healthy = await doctor();
    expect(healthy.checks.filter((c) => c.id.endsWith('.drift') && c.status !== 'pass')).toEqual([]);
  });
});

describe('doctor on the embedded broker', () => {
  it('passes a provisioned broker, with KMS checks as warnings', async () => {
    const broker = await startBroker({ port: 0 });
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint: broker.endpoint,
      credentials: MOTO_CREDENTIALS,
    });
    try {
      await provisionTopology({ topology, clients, profile: 'embedded', endpoint: broker.endpoint });
      const report = await runDoctor({
        topology,
        clients,
        profile: 'embedded',
        endpoint: broker.endpoint,
        hints,
      });
      expect(failures(report)).toEqual([]);
      // Only what the embedded profile cannot do is a warning: the plan matches the broker.
      expect(report.checks.filter((c) => c.status === 'warn').map((c) => c.id)).toEqual([
        'endpoint.enforcement',
        'key.kms',
      ]);
      expect(report.checks).toContainEqual(
        expect.objectContaining({ id: 'key.kms', status: 'warn', resource: KEY }),
      );
      expect(report.checks.find((c) => c.id === 'key.kms')?.message).toContain(
        'no KMS in the embedded profile',
      );
      expect(report.checks).toContainEqual(
        expect.objectContaining({ id: 'endpoint.enforcement', status: 'warn' }),
      );
      expect(report.checks).toContainEqual(
        expect.objectContaining({ id: 'queue.encryption', status: 'pass', resource: 'queue doc-invoicing' }),
      );
      // What is true here: no KMS behind the alias, the envelope under the local key.
      for (const check of report.checks.filter((c) => c.id.endsWith('.encryption'))) {
        expect(check.message).not.toContain('customer-managed');
        expect(check.message).toContain('does not enforce it (no KMS)');
        expect(check.message).toContain('envelope-encrypted with the local key');
      }
      const rendered = renderDoctorReport(report);
      for (const line of rendered.split('\n')) expect(line.length).toBeLessThanOrEqual(DOCTOR_LINE_WIDTH);
      expect(rendered).toMatch(/^queue doc-invoicing +PASS {2}\d+ passed$/m);
      expect(rendered).not.toContain('encrypted with the customer-managed');
    } finally {
      clients.destroy();
      await broker.stop();
    }
  });
});
