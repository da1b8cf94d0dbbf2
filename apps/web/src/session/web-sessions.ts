import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from '@app/identity';
import type { StaffSession, WebAuthorization } from '@app/identity/client';

/** A person signed in to the screen. Tokens stay here, in the server's memory, never in the browser. */
export interface WebSession {
  readonly id: string;
  /** The form token every write must carry (synchroniser token, beside SameSite and Origin checks). */
  readonly csrf: string;
  readonly username: string;
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly pharmacyId?: string;
  readonly staff: StaffSession;
  readonly createdAt: number;
  /** Last time the person did something (a page, a form, "stay signed in"); live updates do not count. */
  lastActiveAt: number;
}

/** A sign-in in progress: from the redirect to the provider until the callback (at most 10 minutes). */
interface PendingSignIn extends Pick<WebAuthorization, 'verifier' | 'state'> {
  readonly createdAt: number;
  readonly returnTo: string;
}

const PENDING_TTL_MS = 10 * 60_000;
const MAX_PENDING = 1_000;
const MAX_SESSIONS = 10_000;

/** 256 random bits, base64url: a session or sign-in handle nobody can guess. */
export const newHandle = (): string => randomBytes(32).toString('base64url');

export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The screen's sessions, in memory: a restart of the web process signs everyone out (the tokens
 * were only ever here). Idle and absolute limits are the identity provider's own
 * (`CLINIC_SESSION_IDLE_SECONDS`, `CLINIC_SESSION_MAX_SECONDS`), enforced here as well.
 */
export class WebSessions {
  private readonly sessions = new Map<string, WebSession>();
  private readonly pending = new Map<string, PendingSignIn>();

  constructor(
    private readonly limits: { readonly idleSeconds: number; readonly maxSeconds: number },
    private readonly now: () => number = Date.now,
  ) {}

  /** Remembers a sign-in in progress under a fresh handle (the browser's sign-in cookie). */
  beginSignIn(authorization: Pick<WebAuthorization, 'verifier' | 'state'>, returnTo: string): string {
    this.sweep();
    if (this.pending.size >= MAX_PENDING) {
      // Oldest first: a flood of abandoned sign-ins cannot grow memory without bound.
      this.pending.delete(this.pending.keys().next().value!);
    }
    const handle = newHandle();
    this.pending.set(handle, { ...authorization, createdAt: this.now(), returnTo });
    return handle;
  }

  /** The sign-in started under `handle`, once (a second callback with it finds nothing). */
  takeSignIn(handle: string | undefined): PendingSignIn | undefined {
    if (!handle) return undefined;
    const found = this.pending.get(handle);
    this.pending.delete(handle);
    if (!found || this.now() - found.createdAt > PENDING_TTL_MS) return undefined;
    return found;
  }

  create(staff: StaffSession, username: string): WebSession {
    this.sweep();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const now = this.now();
    const session: WebSession = {
      id: newHandle(),
      csrf: newHandle(),
      username,
      subject: staff.subject,
      roles: staff.roles,
      pharmacyId: staff.pharmacyId,
      staff,
      createdAt: now,
      lastActiveAt: now,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session under `id`: undefined when unknown, idle too long or past its maximum age. */
  find(id: string | undefined): { session?: WebSession; ended?: 'idle' | 'expired' } {
    if (!id) return {};
    const session = this.sessions.get(id);
    if (!session) return {};
    const now = this.now();
    if (now - session.lastActiveAt > this.limits.idleSeconds * 1000) {
      void this.end(session);
      return { ended: 'idle' };
    }
    if (now - session.createdAt > this.limits.maxSeconds * 1000) {
      void this.end(session);
      return { ended: 'expired' };
    }
    return { session };
  }

  touch(session: WebSession): void {
    session.lastActiveAt = this.now();
  }

  /** Seconds of inactivity left before the automatic sign-out. */
  idleSecondsLeft(session: WebSession): number {
    return Math.max(0, Math.round(this.limits.idleSeconds - (this.now() - session.lastActiveAt) / 1000));
  }

  /** Forgets the session and revokes its refresh token at the provider (best effort, in the background). */
  end(session: WebSession): Promise<void> {
    this.sessions.delete(session.id);
    return session.staff.signOut().catch(() => undefined);
  }

  get size(): number {
    return this.sessions.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [handle, p] of this.pending)
      if (now - p.createdAt > PENDING_TTL_MS) this.pending.delete(handle);
    for (const s of this.sessions.values()) {
      if (
        now - s.lastActiveAt > this.limits.idleSeconds * 1000 ||
        now - s.createdAt > this.limits.maxSeconds * 1000
      )
        void this.end(s);
    }
  }
}
