import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NotFoundException } from '@nestjs/common';
import { SignInError, SignInErrorCode, type StaffSession } from '@app/identity/client';
import { ServiceUnavailable, SignInRequired } from '../session/screen-errors';
import { WebSessions, type WebSession } from '../session/web-sessions';
import type { WebConfig } from '../web.config';
import { ClinicApi } from './clinic-api';

/** An app that answers each path with the status it names: /401, /429, /503, /200 ... */
function fakeApp(): Promise<Server> {
  const server = createServer((req, res) => {
    const status = Number(req.url?.split('/')[1]?.split('?')[0] ?? 500);
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (status === 429 || status === 503) headers['retry-after'] = '7';
    res
      .writeHead(status, headers)
      .end(
        JSON.stringify(status === 200 ? [{ id: 'x' }] : { statusCode: status, message: `answer ${status}` }),
      );
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe("the screen's calls to the apps", () => {
  let server: Server;
  let api: ClinicApi;
  let sessions: WebSessions;

  beforeAll(async () => {
    server = await fakeApp();
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 600 });
    api = new ClinicApi(
      { apis: { emr: url, billing: url, scheduling: url, prescription: url } } as unknown as WebConfig,
      sessions,
    );
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const signedIn = (fresh: () => Promise<string> = () => Promise.resolve('token')) => {
    const signOut = jest.fn().mockResolvedValue(undefined);
    const staff = {
      subject: 's',
      roles: ['billing-clerk'],
      freshAccessToken: fresh,
      signOut,
    } as unknown as StaffSession;
    const session: WebSession = sessions.create(staff, 'billing');
    return { session, signOut };
  };

  it('ends the session when an app answers 401, so the front door does not send the person back', async () => {
    const { session, signOut } = signedIn();
    await expect(api.get(session, 'billing', '/401')).rejects.toBeInstanceOf(SignInRequired);
    expect(sessions.find(session.id)).toEqual({});
    expect(signOut).toHaveBeenCalled();
  });

  it('ends the session when the provider refuses the refresh, and keeps it when the provider is down', async () => {
    const ended = signedIn(() => Promise.reject(new SignInError(SignInErrorCode.SessionEnded, 'ended')));
    await expect(api.get(ended.session, 'billing', '/200')).rejects.toBeInstanceOf(SignInRequired);
    expect(sessions.find(ended.session.id)).toEqual({});

    const down = signedIn(() => Promise.reject(new SignInError(SignInErrorCode.Provider, 'no answer')));
    const error = await api.get(down.session, 'billing', '/200').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect((error as ServiceUnavailable).app).toBe('identity provider');
    expect(sessions.find(down.session.id).session).toBe(down.session);
  });

  it("turns an app's 429 and 503 into a try-again page with Retry-After, never an answer", async () => {
    const { session } = signedIn();
    const limited = (await api
      .get(session, 'billing', '/429')
      .catch((e: unknown) => e)) as ServiceUnavailable;
    expect(limited).toBeInstanceOf(ServiceUnavailable);
    expect(limited.retryAfter).toBe('7');
    expect(limited.detail).toMatch(/too many requests/i);
    const busy = (await api.get(session, 'billing', '/503').catch((e: unknown) => e)) as ServiceUnavailable;
    expect(busy.detail).toBe('answer 503');
  });

  it('reads a list only from a 200: a 404 is not found, anything else an error page, never an empty list', async () => {
    const { session } = signedIn();
    await expect(api.read(session, 'billing', '/200')).resolves.toEqual([{ id: 'x' }]);
    await expect(api.read(session, 'billing', '/404')).rejects.toBeInstanceOf(NotFoundException);
    await expect(api.read(session, 'billing', '/400')).rejects.toBeInstanceOf(ServiceUnavailable);
    await expect(api.read(session, 'billing', '/500')).rejects.toBeInstanceOf(ServiceUnavailable);
  });

  it('turns an app that is down (nothing listening: killed, not started) into a 503 page for that app', async () => {
    const { session } = signedIn();
    const down = new ClinicApi(
      { apis: { emr: 'http://127.0.0.1:1', billing: 'http://127.0.0.1:1' } } as unknown as WebConfig,
      sessions,
    );
    const error = (await down
      .get(session, 'emr', '/patients/x')
      .catch((e: unknown) => e)) as ServiceUnavailable;
    expect(error).toBeInstanceOf(ServiceUnavailable);
    expect(error.app).toBe('emr');
    expect(sessions.find(session.id).session).toBe(session);
  });
});
