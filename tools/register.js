// Runs TypeScript sources directly (CLI, demo, bench) with SWC: fast start, decorator metadata
// for Nest's dependency injection, and the tsconfig `paths` aliases (@app/<lib>).
'use strict';
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
