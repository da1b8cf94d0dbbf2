import type { StaffSession } from '@app/identity/client';
import { WebSessions } from './web-sessions';

const staff = (signOut = jest.fn().mockResolvedValue(undefined)): StaffSession =>
  ({ subject: 'sub-1', roles: ['physician'], signOut }) as unknown as StaffSession;

describe('the screen sessions', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('ends a session idle longer than the idle time, and revokes its refresh token', () => {
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 3600 }, clock);
    const signOut = jest.fn().mockResolvedValue(undefined);
    const session = sessions.create(staff(signOut), 'physician');
    now += 59_000;
    expect(sessions.find(session.id).session).toBe(session);
    sessions.touch(session);
    now += 59_000;
    expect(sessions.find(session.id).session).toBe(session);
    now += 61_000;
    expect(sessions.find(session.id)).toEqual({ ended: 'idle' });
    expect(signOut).toHaveBeenCalledTimes(1);
    expect(sessions.find(session.id)).toEqual({});
  });

  it('ends a session past its maximum age however active', () => {
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 120 }, clock);
    const session = sessions.create(staff(), 'physician');
    for (let i = 0; i < 4; i++) {
      now += 30_000;
      sessions.touch(session);
    }
    now += 1_000;
    expect(sessions.find(session.id)).toEqual({ ended: 'expired' });
  });

  it('gives each sign-in back once, and not after ten minutes', () => {
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 120 }, clock);
    const handle = sessions.beginSignIn({ verifier: 'v', state: 's' }, '/');
    expect(sessions.takeSignIn(handle)).toMatchObject({ verifier: 'v', state: 's' });
    expect(sessions.takeSignIn(handle)).toBeUndefined();
    const late = sessions.beginSignIn({ verifier: 'v2', state: 's2' }, '/');
    now += 10 * 60_000 + 1;
    expect(sessions.takeSignIn(late)).toBeUndefined();
    expect(sessions.takeSignIn(undefined)).toBeUndefined();
    expect(sessions.takeSignIn('not-a-handle')).toBeUndefined();
  });

  it('keeps a sign-in in progress through a flood of others, and refuses a tampered or foreign handle', () => {
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 120 }, clock);
    const mine = sessions.beginSignIn({ verifier: 'mine', state: 'my-state' }, '/');
    for (let i = 0; i < 5_000; i++) sessions.beginSignIn({ verifier: `v${i}`, state: `s${i}` }, '/');
    const raw = Buffer.from(mine, 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(sessions.takeSignIn(raw.toString('base64url'))).toBeUndefined();
    const other = new WebSessions({ idleSeconds: 60, maxSeconds: 120 }, clock);
    expect(other.takeSignIn(mine)).toBeUndefined();
    expect(sessions.takeSignIn(mine)).toMatchObject({ verifier: 'mine', state: 'my-state' });
  });

  it('hands out unguessable, distinct session ids and form tokens', () => {
    const sessions = new WebSessions({ idleSeconds: 60, maxSeconds: 120 }, clock);
    const a = sessions.create(staff(), 'physician');
    const b = sessions.create(staff(), 'physician');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, b.id, a.csrf, b.csrf]).size).toBe(4);
  });
});
