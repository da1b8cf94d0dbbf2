/**
 * The journey view in a real browser, the heart of the workshop: the physician saves a record
 * and watches it reach Billing, Scheduling and Prescription (kept live by server-sent events),
 * with the ciphertext each queue held; the break-it panel's actions each end as the view says
 * (tampered and forged copies dead-lettered with their reason, a replay a no-op, a stopped
 * consumer's copy waiting, then handled once started); and the administrator's doctor page.
 * The apps keep their default rate limits: the live view must live within them.
 */
import type { Browser, Page } from 'playwright-core';
import { api, startClinicUnderTest, type Clinic } from '../clinic-harness';
import {
  checkScreen,
  CONSUMER_LANES,
  describeWithBrowser,
  enterRecord,
  launchBrowser,
  newPage,
  passwordOf,
  registerPatient,
  SAMPLE_RECORD_FORM,
  signIn,
  threeEffectsShown,
} from './browser';

const PATIENT = { givenName: 'Juniper', familyName: 'Journeytest', dateOfBirth: '1968-09-23' };
const PHI = [PATIENT.givenName, PATIENT.familyName, PATIENT.dateOfBirth];
const CONSUMERS = CONSUMER_LANES;
const LIVE_TIMEOUT_MS = 30_000;

describeWithBrowser()('the journey view at the screen', () => {
  let clinic: Clinic;
  let browser: Browser;
  let page: Page;
  let screen: string;
  let identityDir: string;
  let patientPath: string;
  let firstJourney: string;

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
    await signIn(page, screen, 'physician', passwordOf(identityDir, 'physician'));
    patientPath = await registerPatient(page, PATIENT);
  }, 180_000);

  afterAll(async () => {
    // Never leave a consumer stopped, whatever failed.
    if (clinic) {
      const token = await clinic.env.token('physician');
      for (const app of CONSUMERS)
        await api('POST', `${clinic.apps[app].url}/lab/transport/resume`, {}, token);
    }
    await browser?.close();
    await clinic?.stop();
  });

  const lane = (consumer: string) => page.locator(`#lane-${consumer}`);
  const outcome = (copy: string, consumer: string) =>
    page.locator(`#journey-live tr[data-copy="${copy}"] td[data-consumer="${consumer}"]`);

  /** Enters a record at the screen (the form the physician uses); resolves when "Save record" was clicked. */
  const saveRecord = async (): Promise<number> => {
    await page.goto(`${screen}${patientPath}/records/new`);
    return enterRecord(page, { ...SAMPLE_RECORD_FORM, labOrder: '2345-7' });
  };

  /** On a new record's journey with Billing stopped: the others done, Billing's copy waiting. */
  const waitingForBilling = async () => {
    for (const consumer of ['scheduling', 'prescription']) {
      await lane(consumer).and(page.locator('[data-effect]')).waitFor({ timeout: LIVE_TIMEOUT_MS });
    }
    await outcome('original', 'billing').filter({ hasText: 'waiting' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect(outcome('original', 'billing').textContent()).resolves.toBe(
      'waiting in clinic-billing: Billing is stopped',
    );
    await expect(lane('billing').getAttribute('data-effect')).resolves.toBeNull();
    await expect(lane('billing').getAttribute('data-transport')).resolves.toBe('paused');
    await expect(page.locator('#journey-progress').textContent()).resolves.toBe(
      '2 of 3 admitted consumers done; waiting for Billing (stopped).',
    );
  };

  it('shows the record reaching all three systems, live, with the ciphertext each queue held', async () => {
    const clicked = await saveRecord();
    firstJourney = new URL(page.url()).pathname;
    await threeEffectsShown(page, LIVE_TIMEOUT_MS);
    const shownMs = Math.round(performance.now() - clicked);
    // The stream's first event replaces the server-rendered diagram at once.
    await page.locator('#journey-live[data-updates]').waitFor({ timeout: LIVE_TIMEOUT_MS });
    const measured = await page.locator('#journey-elapsed').textContent();
    process.stdout.write(
      `journey: "Save record" clicked to all three effects shown in the browser: ${shownMs} ms; ` +
        `record saved to all consumers done, as the page measures it: ${measured}\n`,
    );
    expect(measured).toMatch(/^\d+\.\d\d s$/);
    await expect(page.locator('#journey-progress').textContent()).resolves.toMatch(
      /^All 3 admitted consumers done in \d+\.\d\d s\./,
    );

    for (const consumer of CONSUMERS) {
      const queue = lane(consumer).locator('li.step', { hasText: `Queue clinic-${consumer}` });
      // The first 16 bytes as the queue held them: an Encryption SDK header, not the record.
      await expect(queue.locator('code.hex').textContent()).resolves.toMatch(
        /^[0-9a-f]{2}( [0-9a-f]{2}){15}$/,
      );
      await expect(queue.textContent()).resolves.toMatch(/Ciphertext: [\d,]{3,} bytes/);
      await expect(queue.textContent()).resolves.toContain('Encryption SDK message');
      await expect(queue.textContent()).resolves.toContain('billable = true');
      await expect(
        lane(consumer).locator('li.step', { hasText: 'Filter policy' }).textContent(),
      ).resolves.toContain('Let it through');
      await expect(lane(consumer).textContent()).resolves.toMatch(
        /data key (unwrapped|reused)|cached data key/,
      );
      await expect(lane(consumer).getAttribute('data-transport')).resolves.toBe('running');
    }
    await expect(page.locator('#journey-live').textContent()).resolves.toMatch(
      /new data key generated|cached data key reused/,
    );
    await checkScreen(page, 'journey', PHI);
  }, 90_000);

  it('streams the diagram as server-sent events from the screen itself', async () => {
    const first = await page.evaluate(async (url) => {
      const stop = new AbortController();
      const response = await fetch(url, { signal: stop.signal });
      const reader = response.body!.getReader();
      let text = '';
      const complete = () => {
        const at = text.indexOf('event: journey');
        return at >= 0 && text.indexOf('\n\n', at) >= 0;
      };
      while (!complete()) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      stop.abort();
      return { type: response.headers.get('content-type'), text };
    }, `${firstJourney}/events`);
    expect(first.type).toBe('text/event-stream; charset=utf-8');
    expect(first.text).toMatch(/event: journey\ndata: <div id="journey-live"/);
    for (const value of PHI) expect(first.text).not.toContain(value);
  }, 30_000);

  it.each([
    ['Send a tampered copy', 'tamper'],
    ['Send a forged plaintext message', 'forge'],
  ])(
    '"%s": every consumer dead-letters it with its reason',
    async (button, kind) => {
      await page.getByRole('button', { name: button }).click();
      await page.waitForURL(`${screen}${firstJourney}?lab=${kind}`);
      for (const consumer of CONSUMERS) {
        const cell = outcome(kind, consumer);
        await cell.filter({ hasText: 'dead-lettered' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
        await expect(cell.textContent()).resolves.toBe(
          `dead-lettered DECRYPT_FAILED in clinic-${consumer}-dlq`,
        );
        await expect(lane(consumer).textContent()).resolves.toContain(
          `to clinic-${consumer}-dlq, reason DECRYPT_FAILED`,
        );
      }
    },
    60_000,
  );

  it('"Replay a copy": every consumer acknowledges it as a duplicate, with no second effect', async () => {
    await page.getByRole('button', { name: 'Replay a copy' }).click();
    await page.waitForURL(`${screen}${firstJourney}?lab=replay`);
    for (const consumer of CONSUMERS) {
      const cell = outcome('replay', consumer);
      await cell.filter({ hasText: 'duplicate' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
      await expect(cell.textContent()).resolves.toContain('no second effect');
      await expect(lane(consumer).locator('p.effect').textContent()).resolves.toMatch(
        /: \d+ rows? written\.$/,
      );
    }
    await expect(page.locator('#journey-live table.copies caption').textContent()).resolves.toBe(
      '4 copies sent',
    );
    await checkScreen(page, 'journey-broken', PHI);
  }, 60_000);

  it('"Stop Billing": a new record waits in its queue; started again, the open page shows it handled', async () => {
    await page.getByRole('button', { name: 'Stop Billing' }).click();
    await page.waitForURL(`${screen}${firstJourney}?lab=pause-billing`);
    await expect(lane('billing').getAttribute('data-transport')).resolves.toBe('paused');

    await saveRecord();
    const waitingJourney = page.url();
    await waitingForBilling();

    // Started from elsewhere (a terminal, a colleague): the open page follows, without a reload.
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    const resumed = await api<{ transport: string }>(
      'POST',
      `${clinic.apps.billing.url}/lab/transport/resume`,
      {},
      await clinic.env.token('physician'),
    );
    expect(resumed).toMatchObject({ status: 202, body: { transport: 'running' } });
    await lane('billing').and(page.locator('[data-effect="invoice"]')).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await outcome('original', 'billing').filter({ hasText: 'handled' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect(lane('billing').getAttribute('data-transport')).resolves.toBe('running');
    await expect(page.locator('#journey-progress').textContent()).resolves.toMatch(
      /^All 3 admitted consumers done/,
    );
    expect(navigations).toEqual([]);
    expect(page.url()).toBe(waitingJourney);
  }, 90_000);

  it('"Start Billing": the copy that waited for the stopped Billing is handled', async () => {
    await page.getByRole('button', { name: 'Stop Billing' }).click();
    await page.waitForURL(/\?lab=pause-billing$/);
    await saveRecord();
    await waitingForBilling();

    await page.getByRole('button', { name: 'Start Billing' }).click();
    await page.waitForURL(/\?lab=resume-billing$/);
    await lane('billing').and(page.locator('[data-effect="invoice"]')).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await outcome('original', 'billing').filter({ hasText: 'handled' }).waitFor({ timeout: LIVE_TIMEOUT_MS });
    await expect(lane('billing').getAttribute('data-transport')).resolves.toBe('running');
  }, 90_000);

  it("shows the administrator the doctor's findings for the embedded profile, grouped, with fixes", async () => {
    const admin = await newPage(browser);
    try {
      await signIn(admin, screen, 'admin', passwordOf(identityDir, 'admin'));
      expect(new URL(admin.url()).pathname).toBe('/doctor');
      expect(await admin.getByRole('heading', { level: 1 }).textContent()).toBe('Doctor');
      await expect(admin.locator('#doctor-summary').textContent()).resolves.toMatch(
        /^(OK|NOT OK) \d+ passed, \d+ warnings, \d+ failed$/,
      );
      const enforcement = admin.locator('tr[data-check="endpoint.enforcement"]');
      await expect(enforcement.locator('.badge').textContent()).resolves.toBe('WARN');
      await expect(enforcement.textContent()).resolves.toContain('no KMS');
      await expect(enforcement.textContent()).resolves.toContain('CLINIC_PROFILE=aws');
      await expect(admin.getByRole('heading', { name: /^Keys / }).count()).resolves.toBe(1);
      await expect(admin.getByRole('heading', { name: /^Queues / }).count()).resolves.toBe(1);
      await checkScreen(admin, 'admin-doctor');

      // The administrator opens the journey too (ids only, no PHI), with the lab.
      await admin.goto(`${screen}${firstJourney}`);
      await expect(admin.getByRole('button', { name: 'Replay a copy' }).count()).resolves.toBe(1);
    } finally {
      await admin.context().close();
    }
  }, 60_000);
});
