/**
 * `npm run infra:compose`: rewrites docker-compose.yml's app services and databases from the
 * list of apps (libs/clinic/src/apps.ts), formatted as the repository formats YAML.
 * infra/compose.spec.ts fails while the file says something else.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format, resolveConfig } from 'prettier';
import { withGeneratedApps } from '../lib/compose';

async function main(): Promise<void> {
  const file = path.resolve(__dirname, '..', '..', 'docker-compose.yml');
  const options = (await resolveConfig(file)) ?? {};
  writeFileSync(
    file,
    await format(withGeneratedApps(readFileSync(file, 'utf8')), { ...options, filepath: file }),
  );
  process.stdout.write('docker-compose.yml: app services and databases written from the list of apps\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
});
