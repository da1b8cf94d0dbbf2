/**
 * The PHI scan: everything the system writes besides its databases (logs, CLI output, files in
 * the state folder) is searched for the identifying values of the synthetic patients a run
 * created. A canary patient has values found nowhere else (a random given and family name, an
 * unusual birth date and phone number), so a hit means that value leaked, not a coincidence.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** The identifying values of one synthetic patient. The MRN is known once the EMR assigns it. */
export interface PhiCanary {
  givenName: string;
  familyName: string;
  dateOfBirth: string;
  phone: string;
  mrn?: string;
}

/** Something the system wrote: a log stream, a command's output, a file. */
export interface ScannedText {
  readonly source: string;
  readonly text: string;
}

export interface PhiHit {
  readonly source: string;
  readonly field: keyof PhiCanary;
  readonly value: string;
  /** The text around the hit, with the value itself masked. */
  readonly around: string;
}

const letters = (n: number) => Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');

/** A `POST /patients` body whose every value is unique to this run. */
export function canaryPatient(): Required<Omit<PhiCanary, 'mrn'>> {
  const r = randomBytes(4);
  const year = 1920 + (r[0] % 60);
  const month = String(1 + (r[1] % 12)).padStart(2, '0');
  const day = String(1 + (r[2] % 28)).padStart(2, '0');
  return {
    givenName: `Qa${letters(8)}`,
    familyName: `Zu${letters(10)}`,
    dateOfBirth: `${year}-${month}-${day}`,
    phone:
      `555-${String(1000 + ((r[3] * 37) % 9000)).padStart(4, '0')}-${String(r[0] % 100).padStart(2, '0')}`.slice(
        0,
        13,
      ),
  };
}

/** Every occurrence of a canary's value in the texts. Empty means clean. */
export function scanForPhi(texts: readonly ScannedText[], canaries: readonly PhiCanary[]): PhiHit[] {
  const hits: PhiHit[] = [];
  for (const { source, text } of texts) {
    for (const canary of canaries) {
      for (const field of Object.keys(canary) as (keyof PhiCanary)[]) {
        const value = canary[field];
        if (!value || value.length < 6) continue;
        let at = text.indexOf(value);
        while (at !== -1) {
          const around = text
            .slice(Math.max(0, at - 60), at + value.length + 60)
            .replace(value, `<${field}>`)
            .replace(/\s+/g, ' ');
          hits.push({ source, field, value, around });
          at = text.indexOf(value, at + value.length);
        }
      }
    }
  }
  return hits;
}

/**
 * Every file under `dir`, read as Latin-1 so that binary files (the broker's SQLite store) are
 * searched byte for byte. Folders named in `skip` (the databases) are left out.
 */
export function readTree(dir: string, skip: readonly string[] = []): ScannedText[] {
  const out: ScannedText[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (skip.includes(entry.name)) continue;
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).size < 512 * 1024 * 1024) {
        out.push({ source: full, text: readFileSync(full).toString('latin1') });
      }
    }
  };
  walk(dir);
  return out;
}

/** A readable failure message: where each value leaked, without printing the value. */
export function describeHits(hits: readonly PhiHit[]): string {
  return hits.map((h) => `${h.source}: ${h.field} in "...${h.around}..."`).join('\n');
}
