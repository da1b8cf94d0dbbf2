import type { DoctorCheck } from '@app/crypto-messaging';
import { render } from 'preact-render-to-string';
import { DoctorPage, groupChecks } from './doctor.view';

const check = (resource: string, status: DoctorCheck['status'], id = 'x.y'): DoctorCheck => ({
  id,
  status,
  resource,
  message: `${id} message`,
  fix: status === 'pass' ? undefined : `fix ${id}`,
});

describe('the doctor page', () => {
  const checks = [
    check('topic clinic-patient-records', 'pass', 'topic.encryption'),
    check('endpoint http://127.0.0.1:4566', 'warn', 'endpoint.enforcement'),
    check('queue clinic-billing', 'fail', 'queue.encryption'),
    check('kms-key alias/clinic-records', 'warn', 'key.kms'),
    check('queue clinic-scheduling', 'pass', 'queue.encryption'),
  ];

  it('groups the findings by resource kind, in the order a message travels', () => {
    expect(groupChecks(checks).map((g) => [g.title, g.checks.length])).toEqual([
      ['Where the clinic’s messages go', 1],
      ['Keys', 1],
      ['Topic', 1],
      ['Queues', 2],
    ]);
  });

  it('shows each status, the fix of every warning and failure, and the summary', () => {
    const html = render(
      DoctorPage({
        ctx: { profile: 'embedded', script: '/s.js', style: '/s.css' },
        run: {
          report: { checks, ok: false },
          profile: 'embedded',
          prefix: 'clinic',
          endpoint: 'http://127.0.0.1:4566',
          region: 'us-east-1',
        },
      }),
    );
    expect(html).toContain('NOT OK</span> 2 passed, 2 warnings, 1 failed');
    expect(html).toContain('fix queue.encryption');
    expect(html).toContain('fix key.kms');
    expect(html).toMatch(/<span class="badge bad">FAIL<\/span>/);
    expect(html).toContain('(0 passed, 1 warning, 0 failed)');
  });
});
