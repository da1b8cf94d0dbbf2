import { errorPage, escapeHtml, loginPage, PAGE_CSP } from './pages';

describe('identity provider pages', () => {
  it('escapes every value it shows', () => {
    expect(escapeHtml(`<script>"x" & 'y'</script>`)).toBe(
      '&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;',
    );
    const html = loginPage({
      action: '/interaction/a"b/login',
      clientName: '<b>x</b>',
      error: '<img src=x>',
    });
    expect(html).not.toContain('<b>x</b>');
    expect(html).not.toContain('<img');
    expect(html).toContain('action="/interaction/a&quot;b/login"');
    expect(errorPage('<e>', '<d>')).not.toMatch(/<e>|<d>/);
  });

  it('has labelled fields with autocomplete hints and no script, under a CSP that forbids scripts', () => {
    const html = loginPage({ action: '/interaction/abc/login', clientName: 'the clinic command line' });
    expect(html).toContain('<label for="username">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('autocomplete="username"');
    expect(html).toContain('autocomplete="current-password"');
    expect(html).not.toMatch(/<script|\son[a-z]+=|style=/i);
    expect(PAGE_CSP).toContain("default-src 'none'");
    expect(PAGE_CSP).not.toContain('script-src');
    expect(PAGE_CSP).toContain("frame-ancestors 'none'");
  });
});
