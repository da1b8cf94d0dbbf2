/**
 * A real browser for the screen's tests: Debian's Chromium driven by playwright-core (the
 * machines reach Debian's archive, not Playwright's browser downloads; `.ci/run` installs it).
 * Accessibility with axe-core on every screen, screenshots for the docs, and the privacy checks
 * every page must pass (no PHI in the URL or in browser storage, no token in the page).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import axe from 'axe-core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { consumerNames, type ClinicConsumer } from '@app/clinic';
import { readStaffPasswords } from '@app/identity';

/** Where a Chromium usually is: Debian's package first, then other Linux packages and macOS apps. */
const KNOWN_CHROMIUMS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/**
 * The Chromium the browser tests drive: CLINIC_CHROMIUM, else the first one installed. None:
 * in CI an error (a silent skip would hide a broken machine), elsewhere undefined after a loud
 * warning, so the browser suites skip, as the moto suites do.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const found = env.CLINIC_CHROMIUM
    ? [env.CLINIC_CHROMIUM].filter(existsSync)[0]
    : KNOWN_CHROMIUMS.find(existsSync);
  if (found) return found;
  const why = env.CLINIC_CHROMIUM
    ? `CLINIC_CHROMIUM (${env.CLINIC_CHROMIUM}) does not exist`
    : 'no Chromium found (Debian: apt-get install -y chromium; or set CLINIC_CHROMIUM to a Chromium or Chrome binary)';
  if (env.CI) throw new Error(`${why}. CI must run the browser suites; .ci/run installs Debian's chromium.`);
  console.warn(`\n*** SKIPPING browser suites: ${why}. They run in CI. ***\n`);
  return undefined;
}

/** `describe` when a Chromium is there, else `describe.skip` (after {@link findChromium} warned). */
export function describeWithBrowser(): jest.Describe {
  return findChromium() ? describe : describe.skip;
}

/**
 * Where screenshots go: CLINIC_SCREENSHOTS_DIR (`npm run screenshots` sets docs/images/screens,
 * the pictures in the README and the workshop), else a temporary folder.
 */
export const SCREENSHOTS_DIR = path.resolve(
  process.env.CLINIC_SCREENSHOTS_DIR ?? path.join(tmpdir(), 'clinic-screens'),
);

export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium({ ...process.env, CI: 'true' });
  // As root (CI), Chromium refuses to start with its sandbox; the pages are the clinic's own.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath, args, timeout: 30_000 });
}

/** Script errors each page has thrown (a screen must throw none). */
const UNCAUGHT = new WeakMap<Page, string[]>();

/** A fresh browser context (no cookies) with a page that fails the test on a page error. */
export async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  UNCAUGHT.set(page, errors);
  return page;
}

/** The staff's passwords of the test environment's provider. */
export function passwordOf(identityStateDir: string, username: string): string {
  const password = readStaffPasswords(identityStateDir)?.[username];
  if (!password) throw new Error(`No password for ${username} in ${identityStateDir}`);
  return password;
}

/** Signs in through the screen's button and the provider's own form; resolves on the landing page. */
export async function signIn(
  page: Page,
  screenUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(screenUrl);
  await page
    .getByRole('button', { name: /sign in with/i })
    .or(page.getByRole('link', { name: /sign in with/i }))
    .click();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.origin === new URL(screenUrl).origin && url.pathname !== '/');
}

/** axe-core's serious and critical violations on the page as it is now (WCAG 2 A and AA rules). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated over the DevTools protocol: the page's CSP (no inline script) stays as it is.
  await page.evaluate(axe.source);
  const result = await page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const r = await run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }));
  });
  return result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} (${v.nodes} element(s)): ${v.help}`);
}

/** Saves a full-page screenshot under SCREENSHOTS_DIR as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const file = path.join(SCREENSHOTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * What no page may leak: the given PHI values (names, dates of birth) in its URL or title, and anything at
 * all in localStorage or sessionStorage; no access or refresh token in the HTML; the session
 * cookie out of scripts' reach.
 */
export async function privacyProblems(page: Page, phi: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const url = decodeURIComponent(page.url());
  for (const value of phi) if (url.includes(value)) problems.push(`URL holds "${value}"`);
  // The title lives on in the history, the tab strip and bookmarks after sign-out.
  const title = await page.title();
  for (const value of phi) if (title.includes(value)) problems.push(`title holds "${value}"`);
  const storage = await page.evaluate(() => ({
    local: Object.keys(localStorage).length,
    session: Object.keys(sessionStorage).length,
    cookies: document.cookie,
  }));
  if (storage.local) problems.push(`localStorage has ${storage.local} item(s)`);
  if (storage.session) problems.push(`sessionStorage has ${storage.session} item(s)`);
  if (storage.cookies) problems.push('a cookie is readable by scripts');
  const html = await page.content();
  if (/eyJ[A-Za-z0-9_-]{10,}\.eyJ/.test(html)) problems.push('a JWT is in the page');
  return problems;
}

/** Every screen check in one: accessibility, privacy, a screenshot. */
export async function checkScreen(page: Page, name: string, phi: readonly string[] = []): Promise<void> {
  await screenshot(page, name);
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(await privacyProblems(page, phi)).toEqual([]);
  expect(UNCAUGHT.get(page) ?? []).toEqual([]);
}

/** A synthetic patient as the register form takes them. */
export interface PatientForm {
  readonly givenName: string;
  readonly familyName: string;
  readonly dateOfBirth: string;
}

/** Registers a patient on the patients screen (open in `page`); resolves with their page's path. */
export async function registerPatient(page: Page, patient: PatientForm): Promise<string> {
  await page.getByLabel('Given name').fill(patient.givenName);
  await page.getByLabel('Family name').fill(patient.familyName);
  await page.getByLabel('Date of birth').fill(patient.dateOfBirth);
  await page.getByRole('button', { name: 'Register' }).click();
  await page.waitForURL(/\/patients\/[0-9a-f-]{36}/);
  return new URL(page.url()).pathname;
}

/** What {@link enterRecord} types: a diagnosis, a medication for pharm-001, optionally a lab order. */
export interface RecordForm {
  readonly diagnosis: string;
  readonly rxnorm: string;
  readonly dose: string;
  readonly quantity: string;
  readonly labOrder?: string;
}

export const SAMPLE_RECORD_FORM: RecordForm = {
  diagnosis: 'J06.9',
  rxnorm: '308182',
  dose: '500 mg',
  quantity: '21',
};

/**
 * Fills the record form (open in `page`) and presses "Save record"; resolves on the record's
 * journey with the moment of the click (`performance.now()`).
 */
export async function enterRecord(page: Page, record: RecordForm = SAMPLE_RECORD_FORM): Promise<number> {
  await page.getByLabel('Diagnosis 1').fill(record.diagnosis);
  await page.getByLabel('Medication 1').fill(record.rxnorm);
  await page.getByLabel('Dose').first().fill(record.dose);
  await page.getByLabel('Quantity').first().fill(record.quantity);
  if (record.labOrder) await page.getByLabel('Lab order 1').fill(record.labOrder);
  const clicked = performance.now();
  await page.getByRole('button', { name: 'Save record' }).click();
  await page.waitForURL(/\/records\/[0-9a-f-]{36}\/journey$/);
  return clicked;
}

/** The three systems whose lanes the journey view draws. */
export const CONSUMER_LANES: readonly ClinicConsumer[] = consumerNames();

/** Resolves once the journey open in `page` shows each system's effect. */
export async function threeEffectsShown(page: Page, timeoutMs: number): Promise<void> {
  for (const consumer of CONSUMER_LANES)
    await page
      .locator(`#lane-${consumer}`)
      .and(page.locator('[data-effect]'))
      .waitFor({ timeout: timeoutMs });
}
