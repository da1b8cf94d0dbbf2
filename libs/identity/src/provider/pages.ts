/**
 * The provider's own pages: sign-in, sign-out confirmation, signed out, and errors. Plain HTML,
 * every value escaped, no script at all (inline or not) and one same-origin stylesheet, so the
 * strict {@link PAGE_CSP} holds.
 */

/** Content-Security-Policy of every page the provider renders. */
export const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  // The sign-in form posts to us; we redirect to the client's loopback redirect URI.
  "form-action 'self' http://127.0.0.1:* http://localhost:*",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const STYLESHEET_PATH = '/assets/idp.css';
export const STYLESHEET = `body{font-family:system-ui,sans-serif;max-width:24rem;margin:3rem auto;padding:0 1rem;color:#1b1b1b}
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1rem;font-size:1rem}.error{color:#a00000;border:1px solid #a00000;padding:.5rem}
.note{color:#555;font-size:.9rem}`;

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** HTML-escapes a value for text or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * The sign-in form of one interaction. `error` is one generic sentence; the username typed is
 * never echoed back (wrong or not), so the page does not confirm who has an account.
 */
export function loginPage(options: { action: string; clientName: string; error?: string }): string {
  const error = options.error
    ? `<p class="error" role="alert" id="signin-error">${escapeHtml(options.error)}</p>\n`
    : '';
  const described = options.error ? ' aria-describedby="signin-error"' : '';
  return page(
    'Sign in to the clinic',
    `<h1>Sign in to the clinic</h1>
<p class="note">Signing in to ${escapeHtml(options.clientName)}. Synthetic workshop accounts only.</p>
${error}<form method="post" action="${escapeHtml(options.action)}" autocomplete="on">
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100" autofocus${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="200"${described}>
<button type="submit">Sign in</button>
</form>`,
  );
}

/** The sign-out confirmation: `form` is oidc-provider's hidden form (its xsrf token). */
export function logoutPage(form: string): string {
  return page(
    'Sign out',
    `<h1>Sign out of the clinic?</h1>
${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`,
  );
}

export function signedOutPage(): string {
  return page('Signed out', '<h1>Signed out</h1>\n<p>You are signed out of the clinic.</p>');
}

/** An error page: the OAuth error code and its description (oidc-provider's, no user input). */
export function errorPage(error: string, description?: string): string {
  return page(
    'Sign-in error',
    `<h1>Sign-in error</h1>\n<p><strong>${escapeHtml(error)}</strong>${description ? `: ${escapeHtml(description)}` : ''}</p>`,
  );
}
