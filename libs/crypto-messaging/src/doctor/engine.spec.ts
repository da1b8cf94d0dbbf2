import { evaluate, fail, pass, warn, type CheckRow, type FixContext } from './engine';
import { ENDPOINT_CHECKS } from './checks/endpoint.checks';
import { KEY_CHECKS, type KeySubject } from './checks/key.checks';

const fixes: FixContext = {
  provision: 'provision again',
  awsProfile: 'the aws profile',
  aws: (command) => `${command} --endpoint-url http://127.0.0.1:5000`,
};

describe('the check engine', () => {
  interface Thing {
    resource: string;
    kind: string;
    size?: number;
  }
  const rows: CheckRow<Thing>[] = [
    {
      id: '{kind}.exists',
      test: (s) => (s.size === undefined ? fail('missing') : undefined),
      fix: () => 'create it',
    },
    {
      id: '{kind}.size',
      test: (s) => (s.size === undefined ? undefined : s.size > 2 ? warn(`size ${s.size}`) : pass('small')),
      fix: (s, f) => `${f.provision} (${s.resource})`,
    },
  ];

  it('evaluates every applicable row, subject by subject, fixes on warnings and failures only', () => {
    const checks = evaluate(
      rows,
      [
        { resource: 'box a', kind: 'box' },
        { resource: 'bag b', kind: 'bag', size: 3 },
        { resource: 'box c', kind: 'box', size: 1 },
      ],
      fixes,
    );
    expect(checks).toEqual([
      { id: 'box.exists', status: 'fail', resource: 'box a', message: 'missing', fix: 'create it' },
      {
        id: 'bag.size',
        status: 'warn',
        resource: 'bag b',
        message: 'size 3',
        fix: 'provision again (bag b)',
      },
      { id: 'box.size', status: 'pass', resource: 'box c', message: 'small' },
    ]);
  });
});

describe('check tables', () => {
  it('warns on a local endpoint, fails plain HTTP to a remote one, passes AWS over TLS', () => {
    const at = (endpoint: string | undefined, local: boolean) =>
      evaluate(ENDPOINT_CHECKS, [{ resource: 'endpoint x', profile: 'aws', endpoint, local }], fixes).map(
        (c) => `${c.id}:${c.status}`,
      );
    expect(at('http://127.0.0.1:5000', true)).toEqual(['endpoint.enforcement:warn']);
    expect(at('http://moto.example.com', false)).toEqual(['endpoint.tls:fail']);
    expect(at(undefined, false)).toEqual(['endpoint.enforcement:pass']);
  });

  it("names the application's own steps in fixes: the provision command and the aws profile", () => {
    const [local] = evaluate(
      ENDPOINT_CHECKS,
      [{ resource: 'endpoint x', profile: 'embedded', endpoint: undefined, local: true }],
      { ...fixes, awsProfile: 'CLINIC_PROFILE=aws' },
    );
    expect(local.fix).toContain('(CLINIC_PROFILE=aws, no AWS_ENDPOINT_URL)');
  });

  const key = (meta: KeySubject['meta'], rotation = true): KeySubject => ({
    resource: 'kms-key alias/shop-orders',
    declaration: { ref: 'orders', alias: 'alias/shop-orders', description: 'orders' },
    kmsEnforced: true,
    meta,
    live: { state: meta?.KeyState, rotation, policy: undefined },
    usage: { encryptsTopic: true, queueConsumers: [] },
  });
  const ids = (subject: KeySubject) =>
    evaluate(KEY_CHECKS, [subject], fixes).map((c) => `${c.id}:${c.status}`);
  const META = {
    KeyId: 'k-1',
    Arn: 'arn:aws:kms:us-east-1:111122223333:key/k-1',
    KeyManager: 'CUSTOMER',
    KeySpec: 'SYMMETRIC_DEFAULT',
    KeyUsage: 'ENCRYPT_DECRYPT',
    KeyState: 'Enabled',
  } as const;

  it('fails a missing key on existence alone, and checks a found one in full', () => {
    expect(ids(key(undefined))).toEqual(['key.exists:fail']);
    expect(ids(key(META))).toEqual(['key.symmetric:pass', 'key.state:pass', 'key.rotation:pass']);
    expect(ids(key({ ...META, KeyManager: 'AWS' }))).toEqual([
      'key.customer-managed:fail',
      'key.symmetric:pass',
      'key.state:pass',
    ]);
  });

  it('fixes a disabled key with an aws command that goes to the endpoint in use', () => {
    const [state] = evaluate(KEY_CHECKS, [key({ ...META, KeyState: 'Disabled' }, false)], fixes).filter(
      (c) => c.id === 'key.state',
    );
    expect(state.status).toBe('fail');
    expect(state.message).toContain('key state is Disabled');
    expect(state.fix).toBe(
      'provision again (enables it) or aws kms enable-key --key-id k-1 --endpoint-url http://127.0.0.1:5000',
    );
  });

  it('says there is no KMS to check in the embedded profile, and nothing else about keys', () => {
    expect(ids({ ...key(undefined), kmsEnforced: false })).toEqual(['key.kms:warn']);
  });
});
