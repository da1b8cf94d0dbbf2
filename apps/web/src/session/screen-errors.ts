/** Why the screen sends someone to sign in again. */
export type SignInReason = 'required' | 'idle' | 'expired';

/** No live session: the filter redirects to the sign-in page, saying why. */
export class SignInRequired extends Error {
  override readonly name = 'SignInRequired';
  constructor(readonly reason: SignInReason = 'required') {
    super(`sign-in ${reason}`);
  }
}

/** The signed-in person's roles do not open this screen (or the app refused them): a 403 page. */
export class ScreenForbidden extends Error {
  override readonly name = 'ScreenForbidden';
  constructor(readonly detail?: string) {
    super('forbidden');
  }
}

/** An app did not answer, or answered 5xx: a 503 page naming the app, never the request. */
export class ServiceUnavailable extends Error {
  override readonly name = 'ServiceUnavailable';
  constructor(
    readonly app: string,
    readonly retryAfter?: string,
    /** The app's own 503 message (what did not answer, when to retry): ids and codes, never PHI. */
    readonly detail?: string,
  ) {
    super(`${app} unavailable`);
  }
}

/** A write without the session's form token or from another origin: 403, nothing done. */
export class CsrfRefused extends Error {
  override readonly name = 'CsrfRefused';
}
