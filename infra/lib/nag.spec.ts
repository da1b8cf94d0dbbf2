import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks, type NagPack } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { ClinicStack } from './clinic-stack';
import { NAG_REASONS } from './nag-suppressions';
import { removeOutdir, synthClinic, testApp } from './testing/synth-clinic';

// The app exactly as `cdk synth` builds it, nag plugins registered (synthesis fails on an
// unacknowledged finding, so getting here at all is already half of the test).
let stack: ClinicStack;
beforeAll(() => {
  ({ stack } = synthClinic({}, { nag: true }));
});

/** Each pack, and a resource that pack must flag (proof the gate can fail). */
const packs: [string, () => NagPack, (s: Stack) => void][] = [
  [
    'AwsSolutions',
    () => new AwsSolutionsChecks(),
    (s) => new sqs.Queue(s, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED }),
  ],
  ['HIPAA.Security', () => new HIPAASecurityChecks(), (s) => new logs.LogGroup(s, 'Plain')],
];

/** Acknowledgements recorded on a construct itself: `{ "<kind>::<rule id>": reason }`. */
const acknowledgementsOn = (c: IConstruct): { id: string; reason: string }[] =>
  c.node.metadata
    .filter((e) => e.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((e) => Object.entries(e.data as Record<string, string>))
    .map(([key, reason]) => ({ id: key.replace(/^[A-Za-z]+::/, ''), reason }))
    // CDK acknowledges some of its own CloudFormation-lint findings; only cdk-nag's are ours.
    .filter((a) => /^(AwsSolutions|HIPAA\.Security)-/.test(a.id));

describe('cdk-nag', () => {
  it.each(packs)('%s: no unacknowledged finding', (_name, pack, _bad) => {
    const report = pack().validateScope(stack);
    const findings = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  it.each(packs)('%s: the gate fails on a real finding', (_name, pack, addBad) => {
    const app = testApp();
    try {
      const bad = new Stack(app, 'Bad');
      addBad(bad);
      expect(pack().validateScope(bad).success).toBe(false);
    } finally {
      removeOutdir(app);
    }
  });

  it('every acknowledgement carries a reason, and only reasons from the reviewed list', () => {
    const reasons = new Set<string>(Object.values(NAG_REASONS));
    const acks = stack.node.findAll().flatMap(acknowledgementsOn);
    expect(acks.length).toBeGreaterThan(0);
    for (const a of acks) {
      expect(a.reason?.length ?? 0).toBeGreaterThan(40);
      expect(reasons.has(a.reason)).toBe(true);
      expect(a.id).toMatch(/^(AwsSolutions|HIPAA\.Security)-/);
    }
  });

  it('no acknowledgement is blanket over the stack or the app', () => {
    expect(acknowledgementsOn(stack)).toEqual([]);
    expect(acknowledgementsOn(stack.node.root)).toEqual([]);
  });

  it('the suppressions file is the only place acknowledging rules', () => {
    const dir = __dirname;
    const offenders = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && f !== 'nag-suppressions.ts')
      .filter((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes('.acknowledge('));
    expect(offenders).toEqual([]);
  });
});
