// Runs the fauxqs SNS/SQS emulator in its own process, bound to loopback only. fauxqs is an ES
// module only, and a process of its own keeps the broker off the event loop of the apps and
// tests that use it (and gives it the second core).
// Protocol with the parent: one JSON line on stdout, {"ready":true,"port":N} or
// {"error":"...","code":"..."}; SIGTERM, SIGINT or a lost parent (IPC disconnect) stop it.
import { buildApp } from 'fauxqs';

const port = Number(process.env.BROKER_PORT ?? 4566);
const region = process.env.BROKER_REGION ?? 'us-east-1';

// startFauxqs() listens on 0.0.0.0; a developer's broker has no business on the LAN.
const app = buildApp({ logger: false, defaultRegion: region });
try {
  await app.listen({ port, host: '127.0.0.1' });
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.message, code: error.code }) + '\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ready: true, port: app.server.address().port }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await app.close().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
