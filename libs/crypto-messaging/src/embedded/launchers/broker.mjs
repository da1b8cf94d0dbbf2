// Runs the fauxqs SNS/SQS emulator in its own process, bound to loopback only. fauxqs is an ES
// module only, and a process of its own keeps the broker off the event loop of the apps and
// tests that use it (and gives it the second core).
// Protocol with the parent: one JSON line on stdout, {"ready":true,"port":N} or
// {"error":"...","code":"..."}; SIGTERM, SIGINT or a lost parent (IPC disconnect) stop it.
//
// Durability: with BROKER_DATA_DIR set, fauxqs 2.x writes every queue, topic, subscription and
// message through to SQLite (node:sqlite, WAL) in that folder before it answers the request, so
// a message the broker acknowledged survives kill -9 and is delivered after a restart.
import net from 'node:net';
import { URL } from 'node:url';
import { chmodSync, mkdirSync } from 'node:fs';
import { startFauxqs } from 'fauxqs';

const port = Number(process.env.BROKER_PORT ?? 4566);
const region = process.env.BROKER_REGION ?? 'us-east-1';
const dataDir = process.env.BROKER_DATA_DIR || undefined;

// startFauxqs() listens on 0.0.0.0 and has no option to change that; a developer's broker has no
// business on the LAN. In this process, and only here, any listen on the wildcard address is
// turned into a listen on 127.0.0.1 (the e2e test checks the broker is not on other addresses).
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function loopbackOnly(...args) {
  const [first] = args;
  if (first && typeof first === 'object' && (first.host === '0.0.0.0' || first.host === '::')) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};

// fauxqs 2.4.1 bug: ChangeMessageVisibility with VisibilityTimeout=0 (release a message now)
// persists the release by writing NULL into the NOT NULL receive count; the SQLite error comes
// after the message left the in-flight set, so it vanished until the next restart. Persist the
// release as what it is: no receipt handle, no deadline, counts kept.
const { PersistenceManager } = await import(new URL('./persistence.js', import.meta.resolve('fauxqs')));
PersistenceManager.prototype.updateMessageReady = function updateMessageReady(messageId) {
  this.db
    .prepare('UPDATE sqs_messages SET receipt_handle = NULL, visibility_deadline = NULL WHERE message_id = ?')
    .run(messageId);
};

// The store holds ciphertext bodies and plaintext routing attributes: the owner's alone, the
// folder (even one made by an earlier version) and every file SQLite creates in it.
process.umask(0o077);

let server;
try {
  if (dataDir) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
  }
  server = await startFauxqs({ port, logger: false, defaultRegion: region, dataDir });
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error.message, code: error.code }) + '\n');
  process.exit(1);
}
process.stdout.write(JSON.stringify({ ready: true, port: server.port, durable: Boolean(dataDir) }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
