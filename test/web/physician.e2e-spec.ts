/**
 * The physician's screens in a real browser: sign in with the clinic's provider, register a
 * patient, enter a record (an unknown ICD-10 code is named beside its field), and the screen's
 * defences (cross-origin and token-less writes refused, nothing private in URLs or storage).
 */
import { request } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { startClinicUnderTest, type Clinic } from '../clinic-harness';
import {
  checkScreen,
  describeWithBrowser,
  launchBrowser,
  newPage,
  passwordOf,
  registerPatient,
  signIn,
} from './browser';

const PATIENT = { givenName: 'Rowan', familyName: 'Screentest', dateOfBirth: '1975-04-12' };
const PHI = [PATIENT.givenName, PATIENT.familyName, PATIENT.dateOfBirth];

describeWithBrowser()('the physician at the screen', () => {
  let clinic: Clinic;
  let browser: Browser;
  let page: Page;
  let screen: string;
  let identityDir: string;

  beforeAll(async () => {
    clinic = (await startClinicUnderTest(
      'embedded',
      ['emr', 'billing', 'scheduling', 'prescription'],
      {},
      { screen: true },
    ))!;
    screen = clinic.screen!.url;
    identityDir = clinic.env.identityStateDir;
    browser = await launchBrowser();
    page = await newPage(browser);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await clinic?.stop();
  });

  it('shows the front door signed out, accessible', async () => {
    await page.goto(screen);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in');
    await checkScreen(page, 'sign-in');
  });

  it('signs the physician in with code + PKCE and lands on the patients screen', async () => {
    await signIn(page, screen, 'physician', passwordOf(identityDir, 'physician'));
    expect(new URL(page.url()).pathname).toBe('/patients');
    const cookies = await page.context().cookies(screen);
    const session = cookies.find((c) => c.name === 'clinic_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await checkScreen(page, 'physician-patients');
  });

  it('registers a patient, and finds them by name without the name in any URL', async () => {
    await registerPatient(page, PATIENT);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      `${PATIENT.givenName} ${PATIENT.familyName}`,
    );
    await checkScreen(page, 'physician-patient', PHI);

    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('MRN or name').fill(PATIENT.familyName.slice(0, 6));
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(
      page.getByRole('link', { name: `${PATIENT.familyName}, ${PATIENT.givenName}` }).count(),
    ).resolves.toBe(1);
    await checkScreen(page, 'physician-search', PHI);
  });

  it('names an unknown ICD-10 code beside its field, keeps what was typed, and saves once it is right', async () => {
    await page.getByRole('link', { name: `${PATIENT.familyName}, ${PATIENT.givenName}` }).click();
    await page.getByRole('link', { name: 'New record' }).click();
    await page.getByLabel('Diagnosis 1').fill('J06.9');
    await page.getByLabel('Diagnosis 2').fill('X99.9');
    await page.getByLabel('Medication 1').fill('308182');
    await page.getByLabel('Dose').first().fill('500 mg');
    await page.getByLabel('Quantity').first().fill('21');
    await page.getByLabel('Lab order 1').fill('2345-7');
    await page.getByRole('button', { name: 'Save record' }).click();

    const field = page.getByLabel('Diagnosis 2');
    await expect(field.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!;
    expect(await page.locator(`#${describedBy.split(' ')[0]}`).textContent()).toBe(
      'unknown ICD-10 code "X99.9"',
    );
    await expect(page.getByLabel('Diagnosis 1').inputValue()).resolves.toBe('J06.9');
    await expect(page.getByLabel('Dose').first().inputValue()).resolves.toBe('500 mg');
    await checkScreen(page, 'physician-record-error', PHI);

    await field.fill('');
    await page.getByRole('button', { name: 'Save record' }).click();
    await page.waitForURL(/\/records\/[0-9a-f-]{36}\/journey$/);
  });

  it('refuses a write from another origin, and one without the form token, doing nothing', async () => {
    const before = await page.context().cookies(screen);
    expect(before.some((c) => c.name === 'clinic_session')).toBe(true);
    const crossSite = await page.request.post(`${screen}/patients`, {
      form: { givenName: 'Forged', familyName: 'Crosssite', dateOfBirth: '1990-01-01' },
      headers: { origin: 'http://127.0.0.1:9' },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    const tokenless = await page.request.post(`${screen}/patients`, {
      form: { givenName: 'Forged', familyName: 'Tokenless', dateOfBirth: '1990-01-01' },
      headers: { origin: screen },
      maxRedirects: 0,
    });
    expect(tokenless.status()).toBe(403);
    await page.goto(`${screen}/patients`);
    await page.getByLabel('MRN or name').fill('Forged');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('caption').textContent()).toBe('0 patients found');
  });

  it('refuses a NUL byte in a name with a 400 beside the field, and saves nothing', async () => {
    await page.goto(`${screen}/patients`);
    const csrf = (await page.locator('body').getAttribute('data-csrf'))!;
    const answer = await page.request.post(`${screen}/patients`, {
      form: { _csrf: csrf, givenName: 'Nul\u0000byte', familyName: 'Controlchar', dateOfBirth: '1990-01-01' },
      headers: { origin: screen },
      maxRedirects: 0,
    });
    expect(answer.status()).toBe(400);
    expect(await answer.text()).toMatch(/id="f-givenName-error"[^>]*>[^<]*givenName/);
    await page.getByLabel('MRN or name').fill('Controlchar');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.locator('caption').textContent()).toBe('0 patients found');
  });

  it('answers only to its own host names, with a CSP that allows no inline script and no framing', async () => {
    const port = Number(new URL(screen).port);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) =>
        request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
          .on('error', reject)
          .end(),
      );
    expect(await status(`rebound.example:${port}`)).toBe(421);
    // Another name of the screen is sent to the origin's own, where the cookie and the redirect live.
    expect(await status(`localhost:${port}`)).toBe(308);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
    const page = await fetch(screen);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('sends a signed-out visitor of a screen to the front door, and signs out with the button', async () => {
    const stranger = await newPage(browser);
    await stranger.goto(`${screen}/patients`);
    expect(new URL(stranger.url()).pathname).toBe('/');
    expect(await stranger.getByRole('status').textContent()).toContain('Sign in to open that page');
    await stranger.context().close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${screen}/?signed-out=1`);
    await page.goto(`${screen}/patients`);
    expect(new URL(page.url()).pathname).toBe('/');
  });
});
