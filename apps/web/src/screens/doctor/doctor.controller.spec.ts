import type { Pages } from '../../pages/page-context';
import type { WebSession } from '../../session/web-sessions';
import { DoctorController } from './doctor.controller';
import type { DoctorRunner } from './doctor.runner';

describe('the doctor page when the doctor cannot run', () => {
  it('answers 503 with what the library said (which operation, where), not a blank error', async () => {
    const pages = { context: () => ({ profile: 'embedded', script: '/s.js', style: '/s.css' }) };
    const runner = {
      run: jest
        .fn()
        .mockRejectedValue(
          new Error('sns:ListTopics on topic clinic-patient-records failed at http://127.0.0.1:1'),
        ),
    };
    const controller = new DoctorController(pages as unknown as Pages, runner as unknown as DoctorRunner);
    const res = { status: jest.fn(), type: jest.fn(), setHeader: jest.fn(), send: jest.fn<void, [string]>() };
    for (const fn of [res.status, res.type, res.setHeader]) fn.mockReturnValue(res);
    await controller.index({} as WebSession, res as never);
    expect(res.status).toHaveBeenCalledWith(503);
    const html = res.send.mock.calls[0][0];
    expect(html).toContain('The doctor could not read the configuration: sns:ListTopics on topic');
    expect(html).not.toContain('doctor-summary');
  });
});
