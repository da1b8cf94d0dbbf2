import { NotFoundException } from '@nestjs/common';
import { render } from 'preact-render-to-string';
import type { ClinicApi } from '../../api/clinic-api';
import type { Pages } from '../../pages/page-context';
import type { WebSession, WebSessions } from '../../session/web-sessions';
import type { WebConfig } from '../../web.config';
import { JourneyController } from './journey.controller';
import { journeyModel } from './journey.model';
import type { JourneyReader } from './journey.reader';
import { JourneyPage } from './journey.view';

const RECORD = '22222222-2222-4222-8222-222222222222';
const session = { id: 's', csrf: 'c', username: 'physician', roles: ['physician'] } as unknown as WebSession;
const model = (profile: 'embedded' | 'aws') =>
  journeyModel(
    { recordId: RECORD, eventId: RECORD, outbox: null, subscriptions: [], observations: [] },
    {},
    { profile, topic: 'clinic-patient-records', deadLetterQueueOf: (c) => `clinic-${c}-dlq` },
  );
const page = (profile: 'embedded' | 'aws') =>
  render(
    JourneyPage({
      ctx: { profile, session, script: '/s.js', style: '/s.css' },
      session,
      model: model(profile),
    }),
  );

describe('the break-it panel and its routes', () => {
  const controllerFor = (profile: 'embedded' | 'aws') => {
    const api = { post: jest.fn().mockResolvedValue({ status: 202, body: {} }) };
    const controller = new JourneyController(
      {} as Pages,
      api as unknown as ClinicApi,
      {} as JourneyReader,
      {} as WebSessions,
      { profile } as WebConfig,
    );
    const res = { redirect: jest.fn() };
    return { controller, api, res };
  };

  it('is on the page in the embedded profile, and its forms carry the form token', () => {
    const html = page('embedded');
    expect(html).toContain('Break it (workshop lab)');
    expect(html).toContain(`action="/records/${RECORD}/journey/lab/tamper"`);
    expect(html).toContain(`action="/records/${RECORD}/journey/transport/billing/pause"`);
    expect(html.match(/name="_csrf" value="c"/g)!.length).toBeGreaterThanOrEqual(6);
  });

  it('is not rendered in the aws profile', () => {
    const html = page('aws');
    expect(html).not.toContain('Break it');
    expect(html).not.toContain('/journey/lab/');
    expect(html).not.toContain('/journey/transport/');
  });

  it('refuses its routes in the aws profile (404) without calling any app', async () => {
    const { controller, api, res } = controllerFor('aws');
    await expect(controller.labAction(session, RECORD, 'tamper', res as never)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      controller.transportAction(session, RECORD, 'billing', 'pause', res as never),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(api.post).not.toHaveBeenCalled();
  });

  it('calls the lab routes as the person in the embedded profile, and only the known ones', async () => {
    const { controller, api, res } = controllerFor('embedded');
    await controller.labAction(session, RECORD, 'forge', res as never);
    expect(api.post).toHaveBeenCalledWith(session, 'emr', `/lab/records/${RECORD}/forge`, {});
    expect(res.redirect).toHaveBeenCalledWith(303, `/records/${RECORD}/journey?lab=forge`);
    await controller.transportAction(session, RECORD, 'scheduling', 'resume', res as never);
    expect(api.post).toHaveBeenCalledWith(session, 'scheduling', '/lab/transport/resume', {});
    await expect(controller.labAction(session, RECORD, 'delete', res as never)).rejects.toBeInstanceOf(
      NotFoundException,
    );
    await expect(
      controller.transportAction(session, RECORD, 'emr', 'pause', res as never),
    ).rejects.toBeInstanceOf(NotFoundException);
    expect(api.post).toHaveBeenCalledTimes(2);
  });

  it('streams the diagram as a server-sent event, and ends every stream when the screen shuts down', async () => {
    const written: string[] = [];
    const res = {
      status: jest.fn(),
      setHeader: jest.fn(),
      flushHeaders: jest.fn(),
      write: jest.fn((chunk: string) => written.push(chunk)),
      end: jest.fn(),
    };
    const req = { on: jest.fn() };
    const reader = { read: jest.fn().mockResolvedValue(model('embedded')) };
    const controller = new JourneyController(
      {} as Pages,
      {} as ClinicApi,
      reader as unknown as JourneyReader,
      { find: () => ({ session }) } as unknown as WebSessions,
      { profile: 'embedded' } as WebConfig,
    );
    const streaming = controller.events(session, RECORD, req as never, res as never);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(res.setHeader).toHaveBeenCalledWith('Content-Type', 'text/event-stream; charset=utf-8');
    expect(written.filter((w) => w.startsWith('event: journey\ndata: <div id="journey-live"'))).toHaveLength(
      1,
    );
    // The journey rests (nothing in flight): the next poll would be seconds away; shutdown ends it now.
    const closing = Date.now();
    controller.onModuleDestroy();
    await streaming;
    expect(Date.now() - closing).toBeLessThan(500);
    expect(res.end).toHaveBeenCalledTimes(1);
    expect(reader.read).toHaveBeenCalledTimes(1);
  });

  it('lets one person follow two journeys live at once, not three (their read limit is shared)', async () => {
    const response = () => {
      const res = {
        status: jest.fn(),
        setHeader: jest.fn(),
        flushHeaders: jest.fn(),
        write: jest.fn(),
        end: jest.fn(),
      };
      res.status.mockReturnValue(res);
      res.setHeader.mockReturnValue(res);
      return res;
    };
    const reader = { read: jest.fn().mockResolvedValue(model('embedded')) };
    const controller = new JourneyController(
      {} as Pages,
      {} as ClinicApi,
      reader as unknown as JourneyReader,
      { find: () => ({ session }) } as unknown as WebSessions,
      { profile: 'embedded' } as WebConfig,
    );
    const [a, b, c] = [response(), response(), response()];
    const req = { on: jest.fn() };
    const first = controller.events(session, RECORD, req as never, a as never);
    const second = controller.events(session, RECORD, req as never, b as never);
    await controller.events(session, RECORD, req as never, c as never);
    expect(c.status).toHaveBeenCalledWith(429);
    expect(c.write).not.toHaveBeenCalled();
    controller.onModuleDestroy();
    await Promise.all([first, second]);
    // Both ended: the person may open another.
    const d = response();
    const fourth = controller.events(session, RECORD, req as never, d as never);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(d.status).toHaveBeenCalledWith(200);
    controller.onModuleDestroy();
    await fourth;
  });
});
