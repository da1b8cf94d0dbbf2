/**
 * The other roles' screens in a real browser, on one clinic: a physician's record (entered
 * through the EMR's API) is seen by the billing clerk (invoice, lines, total; the physician's
 * screens refused), the scheduler (calendar), the pharmacist (prescription, a fill recorded, a
 * bad fill named beside its field) and the privacy officer (every access above in the merged
 * trail, each app's chain verified).
 */
import type { Browser, Page } from 'playwright-core';
import { STAFF } from '@app/identity';
import { api, eventually, sampleRecord, startClinicUnderTest, type Clinic } from '../clinic-harness';
import { checkScreen, describeWithBrowser, launchBrowser, newPage, passwordOf, signIn } from './browser';

const PATIENT = {
  givenName: 'Quinn',
  familyName: 'Rolescreen',
  dateOfBirth: '1968-03-09',
  phone: '555-0142',
};
const PHI = [PATIENT.givenName, PATIENT.familyName, PATIENT.dateOfBirth];
const pharmacistSubject = STAFF.find((s) => s.username === 'pharmacist')!.subject;

interface Invoice {
  id: string;
  mrn: string;
  totalCents: number;
  lines: Array<{ code: string; description: string; amountCents: number }>;
}
interface Appointment {
  kind: string;
  patientId: string;
  slotStart: string;
  slotEnd: string;
}
interface Reminder {
  medicationName: string;
  timeOfDay: string;
  startDate: string;
  endDate: string;
}

/** Clicks a form's button and resolves once the page it answers with has loaded (the same URL or not). */
async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([
    page.waitForEvent('framenavigated', { predicate: (frame) => frame === page.mainFrame() }),
    page.getByRole('button', { name: button }).click(),
  ]);
  await page.waitForLoadState();
}

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;
const hhmm = (iso: string) => iso.slice(11, 16);

describeWithBrowser()(
  'the clerk, the scheduler, the pharmacist and the privacy officer at the screen',
  () => {
    let clinic: Clinic;
    let browser: Browser;
    let screen: string;
    let identityDir: string;
    let patientId: string;
    let invoice: Invoice;
    let prescriptionId: string;
    const pages: Page[] = [];

    const signedIn = async (username: string): Promise<Page> => {
      const page = await newPage(browser);
      pages.push(page);
      await signIn(page, screen, username, passwordOf(identityDir, username));
      return page;
    };

    beforeAll(async () => {
      clinic = (await startClinicUnderTest(
        'embedded',
        ['emr', 'billing', 'scheduling', 'prescription'],
        {},
        { screen: true },
      ))!;
      screen = clinic.screen!.url;
      identityDir = clinic.env.identityStateDir;
      const emr = clinic.apps.emr.url;
      const physician = await clinic.env.token('physician');
      patientId = (await api<{ id: string }>('POST', `${emr}/patients`, PATIENT, physician)).body.id;
      // A visit an hour ago, so a fill stamped now comes after the prescription's transmission.
      const visitDate = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const record = await api<{ id: string }>(
        'POST',
        `${emr}/patients/${patientId}/records`,
        sampleRecord({ visit: { type: 'office-visit-established', date: visitDate } }),
        physician,
      );
      expect(record.status).toBe(201);
      const as = (role: Parameters<typeof clinic.env.token>[0]) => clinic.env.token(role);
      const listed = async <T>(url: string, role: Parameters<typeof clinic.env.token>[0]) =>
        eventually(
          url,
          async () => (await api<T[]>('GET', url, undefined, await as(role))).body,
          (list) => Array.isArray(list) && list.length > 0,
        );
      [invoice] = await listed<Invoice>(
        `${clinic.apps.billing.url}/patients/${patientId}/invoices`,
        'billing-clerk',
      );
      [{ id: prescriptionId }] = await listed<{ id: string }>(
        `${clinic.apps.prescription.url}/patients/${patientId}/prescriptions`,
        'pharmacist',
      );
      await listed(`${clinic.apps.scheduling.url}/patients/${patientId}/appointments`, 'scheduler');
      browser = await launchBrowser();
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await clinic?.stop();
    });

    it('the billing clerk lands on the invoices, sees the lines and total, and may not open the patients screen', async () => {
      const page = await signedIn('billing');
      expect(new URL(page.url()).pathname).toBe('/invoices');
      const card = page.locator('section.invoice', {
        has: page.getByRole('heading', {
          name: `${PATIENT.givenName} ${PATIENT.familyName} · ${invoice.mrn}`,
        }),
      });
      await expect(card.count()).resolves.toBe(1);
      expect(invoice.lines.length).toBeGreaterThanOrEqual(2);
      for (const line of invoice.lines) {
        const row = card.locator('tbody tr', { hasText: line.code });
        await expect(row.count()).resolves.toBe(1);
        expect(await row.textContent()).toContain(dollars(line.amountCents));
      }
      expect(await card.locator('tfoot td.total').textContent()).toBe(dollars(invoice.totalCents));
      expect(await card.locator('.meta').textContent()).toMatch(
        /^Visit \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · open/,
      );
      await checkScreen(page, 'billing-invoices', PHI);

      // The clerk opens the invoice: a read the privacy officer will see.
      await card.getByRole('link').click();
      await page.waitForURL(`${screen}/invoices/${invoice.id}`);
      expect(await page.locator('tfoot td.total').textContent()).toBe(dollars(invoice.totalCents));
      await checkScreen(page, 'billing-invoice', PHI);

      const refused = await page.goto(`${screen}/patients`);
      expect(refused?.status()).toBe(403);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not for your role');
      await expect(page.getByRole('link', { name: 'Patients' }).count()).resolves.toBe(0);
      await checkScreen(page, 'billing-forbidden', PHI);
    });

    it('the scheduler sees the appointment in its week, with its time in UTC, and the reminders of that week', async () => {
      const scheduler = await clinic.env.token('scheduler');
      const appointments = (
        await api<Appointment[]>(
          'GET',
          `${clinic.apps.scheduling.url}/patients/${patientId}/appointments`,
          undefined,
          scheduler,
        )
      ).body;
      const reminders = (
        await api<Reminder[]>(
          'GET',
          `${clinic.apps.scheduling.url}/patients/${patientId}/reminders`,
          undefined,
          scheduler,
        )
      ).body;
      const reminder = reminders[0];
      const first = [...appointments].sort((a, b) => a.slotStart.localeCompare(b.slotStart))[0];
      const day = new Date(first.slotStart).toISOString().slice(0, 10);

      const page = await signedIn('scheduler');
      expect(new URL(page.url()).pathname).toBe('/calendar');
      await page.goto(`${screen}/calendar?week=${day}`);
      const slot = page.locator(`li.day:has(h3[id="day-${day}"]) li.appointment`, {
        hasText: `patient ${patientId.slice(0, 8)}`,
      });
      await expect(slot.count()).resolves.toBeGreaterThanOrEqual(1);
      expect(await slot.first().textContent()).toContain(
        `${hhmm(first.slotStart)}–${hhmm(first.slotEnd)} UTC`,
      );
      await checkScreen(page, 'scheduler-calendar', PHI);

      // The reminder shows in the weeks it runs, and its week links are dates only.
      await page.goto(`${screen}/calendar?week=${reminder.startDate}`);
      // One reminder per time of day (every 8 hours: three), each with its time in UTC.
      const rows = page.locator('table tbody tr', { hasText: reminder.medicationName });
      await expect(rows.count()).resolves.toBe(
        reminders.filter(
          (r) => r.medicationName === reminder.medicationName && r.startDate === reminder.startDate,
        ).length,
      );
      expect(await rows.first().textContent()).toContain(`${reminder.timeOfDay} UTC`);
      const next = await page.getByRole('link', { name: 'Next week →' }).getAttribute('href');
      expect(next).toMatch(/^\/calendar\?week=\d{4}-\d{2}-\d{2}$/);
    });

    it('the pharmacist sees the prescription, records a fill, and a bad fill is named beside its field', async () => {
      const page = await signedIn('pharmacist');
      expect(new URL(page.url()).pathname).toBe('/prescriptions');
      const link = page.getByRole('link', { name: `${PATIENT.familyName}, ${PATIENT.givenName}` });
      await expect(link.count()).resolves.toBe(1);
      await checkScreen(page, 'pharmacist-prescriptions', PHI);
      await page.goto(`${screen}/prescriptions?status=rejected`);
      await expect(link.count()).resolves.toBe(0);
      await page.goto(`${screen}/prescriptions?status=sent`);
      await link.click();
      await page.waitForURL(`${screen}/prescriptions/${prescriptionId}`);

      // Dispensed "before" the prescription reached the pharmacy: the API's 422, in words, beside the date.
      await page.getByLabel('Units dispensed').fill('7');
      await page.getByLabel('Dispensed at (UTC)').fill('2026-01-05T09:00');
      await submit(page, 'Record fill');
      const when = page.getByLabel('Dispensed at (UTC)');
      await expect(when.getAttribute('aria-invalid')).resolves.toBe('true');
      const errorId = (await when.getAttribute('aria-describedby'))!.split(' ')[0];
      expect(await page.locator(`#${errorId}`).textContent()).toMatch(
        /before the prescription was transmitted .*\(FILLED_BEFORE_TRANSMISSION\)$/,
      );
      await expect(page.getByLabel('Units dispensed').inputValue()).resolves.toBe('7');
      await checkScreen(page, 'pharmacist-fill', PHI);

      // A quantity that is not a number: the API's 400 names the field.
      await page.getByLabel('Units dispensed').fill('seven');
      await page.getByLabel('Dispensed at (UTC)').fill(new Date().toISOString().slice(0, 16));
      await submit(page, 'Record fill');
      const units = page.getByLabel('Units dispensed');
      await expect(units.getAttribute('aria-invalid')).resolves.toBe('true');
      expect(await page.locator('#f-quantity-error').textContent()).toContain(
        'quantity must be an integer number',
      );
      await expect(page.getByText('Not filled yet.').count()).resolves.toBe(1);

      await units.fill('7');
      // The form as it is sent, to send it once more below.
      const sent = {
        _csrf: await page.locator('#fill input[name="_csrf"]').inputValue(),
        idempotencyKey: await page.locator('#fill input[name="idempotencyKey"]').inputValue(),
        quantity: '7',
        filledAt: await page.getByLabel('Dispensed at (UTC)').inputValue(),
      };
      await submit(page, 'Record fill');
      await page.waitForURL(`${screen}/prescriptions/${prescriptionId}?filled=1`);
      expect(await page.getByRole('status').textContent()).toBe('Fill recorded.');
      const fills = page
        .locator('table', { has: page.locator('caption', { hasText: 'Fills' }) })
        .locator('tbody tr');
      await expect(fills.count()).resolves.toBe(1);
      expect(await fills.first().textContent()).toContain('pharm-001');

      // The same form sent twice (a double click, a retried request) is one fill: its idempotency key.
      const again = await page.request.post(`${screen}/prescriptions/${prescriptionId}/fills`, {
        form: sent,
        headers: { origin: screen },
        maxRedirects: 0,
      });
      expect(again.status()).toBe(303);
      await page.reload();
      await expect(fills.count()).resolves.toBe(1);
    });

    it('the privacy officer sees every access above for the patient, newest first, and each chain verified', async () => {
      const page = await signedIn('privacy');
      expect(new URL(page.url()).pathname).toBe('/audit');
      for (const app of ['emr', 'billing', 'scheduling', 'prescription']) {
        expect(await page.locator(`table.chains tr[data-app="${app}"] td .badge`).textContent()).toBe(
          'verified',
        );
      }
      await page.getByLabel('Patient id').fill(patientId);
      await submit(page, 'Filter');
      await page.waitForURL(/\/audit\?patientId=/);
      const rows = page.locator('table.audit tbody tr');
      const seen = async (app: string, person: string, action: string) =>
        rows
          .filter({ hasText: `${app} #` })
          .filter({ hasText: person })
          .filter({ hasText: action })
          .count();
      await expect(seen('emr', 'physician', 'create record')).resolves.toBe(1);
      await expect(seen('billing', 'billing', 'read invoice')).resolves.toBe(1);
      // The fill and the form sent again: two requests audited, one fill answered to both.
      await expect(seen('prescription', 'pharmacist', 'create prescription-fill')).resolves.toBe(2);
      const fillIds = await rows
        .filter({ hasText: 'create prescription-fill' })
        .locator('td:nth-child(5) span[title]')
        .evaluateAll((spans) => spans.map((span) => span.getAttribute('title')));
      expect(fillIds).toHaveLength(2);
      expect(fillIds[0]).toMatch(/^[0-9a-f-]{36}$/);
      expect(fillIds[1]).toBe(fillIds[0]);
      // Newest first: the fill came after the record was created.
      const times = await page.locator('table.audit tbody tr td:first-child').allTextContents();
      expect([...times].sort().reverse()).toEqual(times);
      await checkScreen(page, 'privacy-audit', PHI);

      // By person: the pharmacist's refused fill (a 422 answers no patient) is on their trail.
      await page.getByLabel('Patient id').fill('');
      await page.getByLabel('Person (subject id)').fill(pharmacistSubject);
      await submit(page, 'Filter');
      await page.waitForURL(/subject=/);
      await expect(
        rows
          .filter({ hasText: 'create prescription-fill' })
          .filter({ has: page.locator('td.outcome', { hasText: /^422/ }) })
          .count(),
      ).resolves.toBe(1);
      await expect(rows.filter({ hasNotText: 'pharmacist' }).count()).resolves.toBe(0);

      // A filter that is not an id is named beside its field, and no entry is shown.
      await page.getByLabel('Patient id').fill('not-an-id');
      await submit(page, 'Filter');
      await page.waitForURL(/patientId=not-an-id/);
      expect(await page.locator('#f-patientId-error').textContent()).toContain('patientId must be a UUID');
      await expect(rows.count()).resolves.toBe(0);
    });
  },
);
