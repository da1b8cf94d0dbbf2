/** @app/identity/client: signing people in (authorization code + PKCE), with openid-client. */
export * from './sign-in';
