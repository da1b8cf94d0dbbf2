/** A fifth app for the specs that prove everything derives from the list. */
import { consumes, defineApp } from '../../app-blueprint';
import type * as Apps from '../../apps';

/** The one line a fifth consumer adds to the list: "labs", on port 3005. */
export const FIFTH_APP = defineApp('labs', 'Labs', 3005, consumes('labs'));

/**
 * The list-of-apps module with {@link FIFTH_APP} appended, as a jest module factory:
 * `jest.mock('@app/clinic/apps', () => jest.requireActual<…>('@app/clinic/testing/fifth-app').appsWithFifthApp())`.
 */
export function appsWithFifthApp(): typeof Apps {
  const actual = jest.requireActual<typeof Apps>('../../apps');
  return {
    ...actual,
    CLINIC_APPS: [...actual.CLINIC_APPS, FIFTH_APP] as unknown as typeof actual.CLINIC_APPS,
  };
}
