import { appNamed, CLINIC_APPS, type ClinicApp } from '@app/clinic';
import { APPS, blueprintOf, databaseOf, registeredApp } from './app-registry';

describe('the registry of apps (found by convention in each app folder)', () => {
  it.each(CLINIC_APPS.map((a) => a.name))('%s: its blueprint and database load from its folder', (app) => {
    const blueprint = blueprintOf(app);
    expect(blueprint.app).toBe(app);
    expect(blueprint.title).toBe(appNamed(app).title);
    // A consumer's blueprint declares the events it takes; the publisher's declares none.
    expect(blueprint.consumer !== undefined).toBe(appNamed(app).messaging.role === 'consumer');
    expect(databaseOf(app).migrations.length).toBeGreaterThan(0);
    expect(registeredApp(app).database).toBe(databaseOf(app));
  });

  it('registers every app of the list, in its order, with its TypeScript entry point', () => {
    expect(APPS.map((a) => a.app)).toEqual(CLINIC_APPS.map((a) => a.name));
    for (const a of APPS) expect(a.entry).toMatch(new RegExp(`/apps/${a.app}/src/main\\.ts$`));
  });

  it('says which file is missing for an app without its conventional files', () => {
    expect(() => databaseOf('nowhere' as ClinicApp)).toThrow(
      /apps\/nowhere\/src\/database\/nowhere\.database/,
    );
  });
});
