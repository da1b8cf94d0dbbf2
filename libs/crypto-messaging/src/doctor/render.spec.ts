import type { DoctorCheck, DoctorReport } from './doctor';
import { DOCTOR_LINE_WIDTH, renderDoctorReport } from './render';

const ARN = 'arn:aws:sns:us-east-1:123456789012:clinic-patient-records:0f3c1a52-7d7e-4d0e-9a51-3b1f0c8e9d11';
const checks: DoctorCheck[] = [
  {
    id: 'endpoint.enforcement',
    status: 'warn',
    resource: 'endpoint http://127.0.0.1:4566',
    message: 'embedded profile: the local broker enforces no key or queue policy and there is no KMS',
    fix: 'run the doctor against the real AWS account before go-live (CLINIC_PROFILE=aws, no AWS_ENDPOINT_URL)',
  },
  { id: 'topic.encryption', status: 'pass', resource: 'topic clinic-patient-records', message: 'encrypted' },
  { id: 'topic.https-only', status: 'pass', resource: 'topic clinic-patient-records', message: 'TLS only' },
  { id: 'queue.encryption', status: 'pass', resource: 'queue clinic-billing', message: 'encrypted' },
  {
    id: 'queue.sns-send',
    status: 'fail',
    resource: 'queue clinic-billing',
    message: 'no grant for sns.amazonaws.com sqs:SendMessage from this topic: SNS cannot deliver (silently)',
    fix: 'run npm run clinic -- provision',
  },
  {
    id: 'subscription.undeclared',
    status: 'warn',
    resource: `subscription ${ARN}`,
    message: `the topic also delivers to sqs ${ARN}, which the topology does not declare`,
    fix: `declare it or unsubscribe it (aws sns unsubscribe --subscription-arn ${ARN} --endpoint-url http://127.0.0.1:5000)`,
  },
];
const report: DoctorReport = { checks, ok: false };

describe('renderDoctorReport', () => {
  it('groups by resource: one heading per resource with its verdict, problems under it', () => {
    const text = renderDoctorReport(report);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^endpoint http:\/\/127\.0\.0\.1:4566 +WARN {2}1 warning$/);
    expect(lines).toContainEqual(expect.stringMatching(/^topic clinic-patient-records +PASS {2}2 passed$/));
    expect(lines).toContainEqual(expect.stringMatching(/^queue clinic-billing +FAIL {2}1 failed, 1 passed$/));
    expect(text).toContain('  FAIL  no grant for sns.amazonaws.com sqs:SendMessage');
    expect(text).toContain('[queue.sns-send]');
    expect(text).toContain('        fix: run npm run clinic -- provision');
    // Passes are counted on the heading, not listed.
    expect(text).not.toContain('[topic.encryption]');
    expect(text).toMatch(/^NOT OK: 3 passed, 2 warnings, 1 failed$/m);
    const one = renderDoctorReport({ checks: checks.slice(0, 3), ok: true });
    expect(one).toMatch(/^OK: 2 passed, 1 warning, 0 failed$/m);
    // Each resource heads its group once.
    expect(lines.filter((l) => l.startsWith('queue clinic-billing'))).toHaveLength(1);
  });

  it('keeps every line under 100 characters, cutting an ARN longer than a line', () => {
    for (const options of [{}, { verbose: true }, { onlyProblems: true }]) {
      const text = renderDoctorReport(report, options);
      for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(DOCTOR_LINE_WIDTH);
      // Nothing lost to the wrapping: the words come back when the lines are joined.
      expect(text.replace(/\s+/g, '')).toContain(
        `--subscription-arn${ARN}--endpoint-urlhttp://127.0.0.1:5000`,
      );
    }
  });

  it('--verbose lists every check with its id; --problems only the resources with a problem', () => {
    const verbose = renderDoctorReport(report, { verbose: true });
    for (const check of checks) expect(verbose).toContain(`[${check.id}]`);
    expect(verbose).toContain('  PASS  encrypted  [topic.encryption]');
    expect(verbose).not.toContain('--verbose shows');

    const problems = renderDoctorReport(report, { onlyProblems: true });
    expect(problems).not.toContain('topic clinic-patient-records');
    expect(problems).not.toContain('[queue.encryption]');
    expect(problems).toContain('[queue.sns-send]');
    expect(problems).toContain('[endpoint.enforcement]');
  });
});
