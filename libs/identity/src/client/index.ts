/** @app/identity/client: signing people in (authorization code + PKCE), with openid-client. */
export {
  browserSignIn,
  type BrowserSignInOptions,
  finishWebSignIn,
  resumeSession,
  signIn,
  SignInError,
  SignInErrorCode,
  type SignInOptions,
  type StaffSession,
  startWebSignIn,
  type StoredSession,
  type WebAuthorization,
} from './sign-in';
