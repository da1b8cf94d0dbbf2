/**
 * Automatic logoff at the screen, with a short idle time (12 s): the page warns, "stay signed
 * in" keeps the session, silence signs out; and the server ends an idle session on its own, for
 * a browser that runs no script at all.
 */
import type { Browser } from 'playwright-core';
import { startClinicUnderTest, type Clinic } from '../clinic-harness';
import { checkScreen, describeWithBrowser, launchBrowser, newPage, passwordOf, signIn } from './browser';

const IDLE_SECONDS = 12;

describeWithBrowser()('automatic logoff at the screen', () => {
  let clinic: Clinic;
  let browser: Browser;
  let screen: string;

  beforeAll(async () => {
    clinic = (await startClinicUnderTest(
      'embedded',
      ['emr'],
      {},
      { screen: true, identityEnv: { CLINIC_SESSION_IDLE_SECONDS: String(IDLE_SECONDS) } },
    ))!;
    screen = clinic.screen!.url;
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await clinic?.stop();
  });

  it('warns before the idle sign-out, keeps the session on "stay signed in", then signs out on silence', async () => {
    const page = await newPage(browser);
    await signIn(page, screen, 'physician', passwordOf(clinic.env.identityStateDir, 'physician'));
    const dialog = page.getByRole('dialog', { name: 'Still there?' });
    // Warned half-way (at most 60 s before the end): here 6 s before.
    await dialog.waitFor({ state: 'visible', timeout: IDLE_SECONDS * 1000 });
    expect(Number(await page.locator('#idle-countdown').textContent())).toBeLessThanOrEqual(IDLE_SECONDS / 2);
    await checkScreen(page, 'idle-warning');
    await page.getByRole('button', { name: 'Stay signed in' }).click();
    await dialog.waitFor({ state: 'hidden' });
    // The server heard it too: a page load well past the original idle deadline is still signed in.
    await page.waitForTimeout(4_000);
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/patients');

    // Silence: the page signs itself out, once, and says why. The sign-out is answered 2.5 s late
    // here, as by a busy server: a page that submitted again each second aborted its own sign-out.
    const signOuts: string[] = [];
    await page.route(`${screen}/logout`, async (route) => {
      signOuts.push(route.request().method());
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      await route.continue();
    });
    await page.waitForURL(`${screen}/?signed-out=idle`, { timeout: (IDLE_SECONDS + 8) * 1000 });
    expect(signOuts).toEqual(['POST']);
    expect(await page.getByRole('status').textContent()).toContain(
      'signed out after a period without activity',
    );
    await checkScreen(page, 'signed-out-idle');
    await page.goto(`${screen}/patients`);
    expect(new URL(page.url()).pathname).toBe('/');
    await page.context().close();
  }, 60_000);

  it('ends an idle session on the server even when the page runs no script', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, screen, 'physician', passwordOf(clinic.env.identityStateDir, 'physician'));
    expect(new URL(page.url()).pathname).toBe('/patients');
    await page.waitForTimeout((IDLE_SECONDS + 2) * 1000);
    await page.goto(`${screen}/patients`);
    expect(page.url()).toBe(`${screen}/?signed-out=idle`);
    await context.close();
  }, 60_000);
});
