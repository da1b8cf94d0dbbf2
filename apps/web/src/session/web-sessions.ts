import { createCipheriv, createDecipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
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
/** Callbacks remembered as used (one use each); older ones are refused by age anyway. */
const MAX_CONSUMED = 10_000;
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
  /** The states of callbacks already taken, with when they were started: each is good once. */
  private readonly consumed = new Map<string, number>();
  /** Seals sign-ins in progress into their cookie: this process's key, never stored. */
  private readonly sealKey = randomBytes(32);

  constructor(
    private readonly limits: { readonly idleSeconds: number; readonly maxSeconds: number },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * A sign-in in progress, sealed (AES-256-GCM under this process's key) into the value of the
   * browser's sign-in cookie: the server keeps nothing until the callback, so a flood of
   * `GET /login` cannot push a person's sign-in out.
   */
  beginSignIn(authorization: Pick<WebAuthorization, 'verifier' | 'state'>, returnTo: string): string {
    const pending: PendingSignIn = { ...authorization, createdAt: this.now(), returnTo };
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The sign-in sealed in `handle`, once, within 10 minutes; undefined for anything else. */
  takeSignIn(handle: string | undefined): PendingSignIn | undefined {
    if (!handle || handle.length > 4096) return undefined;
    let pending: PendingSignIn;
    try {
      const raw = Buffer.from(handle, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      pending = JSON.parse(
        Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8'),
      ) as PendingSignIn;
    } catch {
      return undefined; // not ours, tampered, or sealed by an earlier process
    }
    const now = this.now();
    if (now - pending.createdAt > PENDING_TTL_MS || this.consumed.has(pending.state)) return undefined;
    for (const [state, createdAt] of this.consumed) {
      if (now - createdAt <= PENDING_TTL_MS && this.consumed.size < MAX_CONSUMED) break;
      this.consumed.delete(state);
    }
    this.consumed.set(pending.state, pending.createdAt);
    return pending;
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
    for (const s of this.sessions.values()) {
      if (
        now - s.lastActiveAt > this.limits.idleSeconds * 1000 ||
        now - s.createdAt > this.limits.maxSeconds * 1000
      )
        void this.end(s);
    }
  }
}
