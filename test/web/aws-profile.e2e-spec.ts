/**
 * The screen in the aws profile, against moto (real KMS semantics): the physician's record
 * still travels and the journey shows it; the workshop's "break it" panel is not there and its
 * routes do not exist; the doctor page reads the keys, the key policies and the queues' KMS
 * settings that only this profile has.
 */
import type { Browser, Page } from 'playwright-core';
import { findMotoServer } from '@app/crypto-messaging/testing';
import { startClinicUnderTest, type Clinic } from '../clinic-harness';
import {
  checkScreen,
  enterRecord,
  findChromium,
  launchBrowser,
  newPage,
  passwordOf,
  registerPatient,
  signIn,
  threeEffectsShown,
} from './browser';

const PATIENT = { givenName: 'Avery', familyName: 'Awsprofile', dateOfBirth: '1979-02-14' };
const PHI = [PATIENT.givenName, PATIENT.familyName, PATIENT.dateOfBirth];

(findMotoServer() && findChromium() ? describe : describe.skip)(
  'the screen in the aws profile (moto)',
  () => {
    let clinic: Clinic;
    let browser: Browser;
    let page: Page;
    let screen: string;
    let journey: string;

    beforeAll(async () => {
      clinic = (await startClinicUnderTest(
        'aws',
        ['emr', 'billing', 'scheduling', 'prescription'],
        {},
        { screen: true },
      ))!;
      screen = clinic.screen!.url;
      browser = await launchBrowser();
      page = await newPage(browser);
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await clinic?.stop();
    });

    it('shows the record reaching the three systems, with no break-it panel', async () => {
      await signIn(page, screen, 'physician', passwordOf(clinic.env.identityStateDir, 'physician'));
      await registerPatient(page, PATIENT);
      await page.getByRole('link', { name: 'New record' }).click();
      await enterRecord(page, { diagnosis: 'I10', rxnorm: '197361', dose: '5 mg', quantity: '30' });
      journey = new URL(page.url()).pathname;
      await threeEffectsShown(page, 60_000);
      await expect(page.getByText('aws profile').count()).resolves.toBeGreaterThan(0);
      await expect(page.getByRole('heading', { name: /Break it/ }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: 'Send a tampered copy' }).count()).resolves.toBe(0);
      await checkScreen(page, 'aws-journey', PHI);
    }, 120_000);

    it("refuses the lab's routes, form token and all", async () => {
      const csrf = await page.locator('body').getAttribute('data-csrf');
      for (const action of ['tamper', 'forge', 'replay']) {
        const answer = await page.request.post(`${screen}${journey}/lab/${action}`, {
          headers: { origin: screen, 'x-csrf-token': csrf! },
          maxRedirects: 0,
        });
        expect({ action, status: answer.status() }).toEqual({ action, status: 404 });
      }
      const pause = await page.request.post(`${screen}${journey}/transport/billing/pause`, {
        headers: { origin: screen, 'x-csrf-token': csrf! },
        maxRedirects: 0,
      });
      expect(pause.status()).toBe(404);
    });

    it("shows the administrator the doctor's findings where keys exist", async () => {
      const admin = await newPage(browser);
      try {
        await signIn(admin, screen, 'admin', passwordOf(clinic.env.identityStateDir, 'admin'));
        expect(new URL(admin.url()).pathname).toBe('/doctor');
        await expect(admin.locator('#doctor-summary').textContent()).resolves.toMatch(
          /^(OK|NOT OK) \d+ passed, \d+ warnings?, \d+ failed$/,
        );
        // In this profile the keys are KMS keys: their state and policy are checked.
        await expect(admin.locator('tr[data-check^="key."]').count()).resolves.toBeGreaterThan(0);
        await expect(admin.locator('tr[data-check="queue.encryption"]').count()).resolves.toBeGreaterThan(0);
        await checkScreen(admin, 'aws-doctor');
      } finally {
        await admin.context().close();
      }
    }, 60_000);
  },
);
