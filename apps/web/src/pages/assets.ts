import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { transformSync } from '@swc/core';

/** A compiled asset, served under a name that changes with its content (cached for a year). */
export interface Asset {
  readonly path: string;
  readonly body: Buffer;
  readonly type: string;
}

/** The browser scripts and the stylesheet (copied beside the compiled server code by `npm run build`). */
const HERE = path.join(__dirname, '..', 'assets');

/**
 * The screen's one script and one stylesheet. The browser scripts are TypeScript beside this
 * file (each a self-contained IIFE, no imports), compiled and minified with SWC when the web
 * process starts: no bundler step, the same in `npm start` and in the built `dist/`.
 */
export function buildAssets(): { script: Asset; style: Asset } {
  const scripts = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort();
  const source = scripts.map((f) => readFileSync(path.join(HERE, f), 'utf8')).join('\n');
  const { code } = transformSync(source, {
    filename: 'screen.ts',
    jsc: { parser: { syntax: 'typescript' }, target: 'es2020', minify: { compress: true, mangle: true } },
    minify: true,
    sourceMaps: false,
    isModule: false,
  });
  const css = readFileSync(path.join(HERE, 'screen.css'));
  return {
    script: fingerprinted('screen', 'js', Buffer.from(code), 'text/javascript; charset=utf-8'),
    style: fingerprinted('screen', 'css', css, 'text/css; charset=utf-8'),
  };
}

function fingerprinted(name: string, ext: string, body: Buffer, type: string): Asset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
  return { path: `/assets/${name}.${hash}.${ext}`, body, type };
}
