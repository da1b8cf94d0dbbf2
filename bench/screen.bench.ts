/**
 * The screen's weight in the browser: the one script and the one stylesheet every page loads
 * (compiled and minified the way the screen serves them), raw and gzip-compressed, against a
 * budget. The pages themselves are server-rendered HTML.
 */
import { gzipSync } from 'node:zlib';
import { buildAssets } from '../apps/web/src/pages/assets';

/** What a page may make the browser download besides its HTML, gzip-compressed (bytes). */
const BUDGET_GZIP_BYTES = 20 * 1024;

export function runScreenBench(): Promise<boolean> {
  const assets = buildAssets();
  let total = 0;
  console.log(`${'asset'.padEnd(32)} raw bytes   gzip bytes`);
  for (const asset of Object.values(assets)) {
    const gzip = gzipSync(asset.body, { level: 9 }).length;
    total += gzip;
    console.log(
      `${asset.path.padEnd(32)} ${String(asset.body.length).padStart(9)}   ${String(gzip).padStart(10)}`,
    );
  }
  const met = total <= BUDGET_GZIP_BYTES;
  console.log(
    `total (gzip): ${total} bytes, budget ${BUDGET_GZIP_BYTES}: ${met ? 'met' : 'MISSED'} (no framework ships to the browser)`,
  );
  return Promise.resolve(met);
}
