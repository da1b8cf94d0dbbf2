/**
 * `npm run clinic -- login | token | logout | staff`: people signing in from a terminal, with
 * authorization code + PKCE through a loopback redirect (never a password grant). The session is
 * kept in `<state>/sessions/<username>.json` (owner-only) so that `token` gives curl a fresh
 * access token. Output carries usernames, role names and times; tokens only when asked for.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  loadIdentityConfig,
  readStaffPasswords,
  STAFF,
  STAFF_FILE,
  type IdentityConfig,
} from '@app/identity';
import {
  browserSignIn,
  resumeSession,
  signIn,
  SignInError,
  SignInErrorCode,
  type StoredSession,
} from '@app/identity/client';
import type { Output } from './commands';
import { type MessagingConfig } from '@app/clinic';

/** Cognito matches redirect URIs exactly: the CLI listens on http://localhost:8765/callback. */
const CLI_CALLBACK_PORT = 8765;

/** Where the commands read and write: injected so tests can drive them. */
export interface LoginIo {
  readonly out: Output;
  readonly err: Output;
  readonly env: NodeJS.ProcessEnv;
  /** True when a person can be asked (stdin is a terminal). */
  readonly interactive: boolean;
  /** Asks for a secret without echoing it. */
  askHidden(question: string): Promise<string>;
  /** All of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
}

export const LOGIN_USAGE = `Sign-in commands:
  login <username> [--print] [--password-stdin]
                     Sign in (authorization code + PKCE) and keep the session in
                     <state>/sessions/<username>.json. Embedded profile: the password is read from
                     <state>/identity/staff.json, else asked for. --print prints only the access
                     token: TOKEN=$(npm run -s clinic -- login physician --print)
  token <username>   A fresh access token from the kept session (refreshed when needed).
  logout <username>  Sign out: revoke the refresh token, end the session, delete the file.
  staff              The synthetic staff: usernames, roles, pharmacy and passwords (embedded).`;

/** Raised for a command line that cannot work; the message says what to do instead. */
export class LoginCommandError extends Error {
  override name = 'LoginCommandError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

function sessionsDir(config: MessagingConfig): string {
  return path.join(config.stateDir, 'sessions');
}

function sessionFile(config: MessagingConfig, username: string): string {
  return path.join(sessionsDir(config), `${username}.json`);
}

function writeSession(config: MessagingConfig, username: string, stored: StoredSession): string {
  const dir = sessionsDir(config);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = sessionFile(config, username);
  // Written beside, then renamed: a crash never leaves half a session file.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
  return file;
}

function readSession(config: MessagingConfig, username: string): StoredSession {
  const file = sessionFile(config, username);
  if (!existsSync(file)) {
    throw new LoginCommandError(
      `No session for ${username}: sign in with "npm run clinic -- login ${username}".`,
      1,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as StoredSession;
}

function checkUsername(profile: MessagingConfig['profile'], username?: string): string {
  const valid = STAFF.map((s) => s.username).join(', ');
  if (!username || username.startsWith('-')) {
    throw new LoginCommandError(`Name the member of staff: one of ${valid}.`, 2);
  }
  if (profile === 'embedded' && !STAFF.some((s) => s.username === username)) {
    throw new LoginCommandError(`Unknown username. The embedded provider's staff are: ${valid}.`, 2);
  }
  if (!USERNAME.test(username)) {
    throw new LoginCommandError('A username is 1 to 64 letters, digits, ".", "_", "@" or "-".', 2);
  }
  return username;
}

const clock = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 19) + ' UTC';

async function passwordFor(
  identity: IdentityConfig,
  username: string,
  args: string[],
  io: LoginIo,
): Promise<string> {
  if (args.includes('--password-stdin')) {
    const typed = (await io.readStdin()).replace(/\r?\n$/, '');
    if (!typed) throw new LoginCommandError('--password-stdin: standard input was empty.', 2);
    return typed;
  }
  const stored = readStaffPasswords(identity.stateDir)?.[username];
  if (stored) return stored;
  if (io.interactive) return io.askHidden(`Password for ${username}: `);
  throw new LoginCommandError(
    `No password for ${username}: ${path.join(identity.stateDir, STAFF_FILE)} is not readable here and there is ` +
      'no terminal to ask on. Pipe it in with --password-stdin.',
    2,
  );
}

/** Runs `login`, `token`, `logout` or `staff`; resolves the exit code. */
export async function runLoginCommand(
  command: 'login' | 'token' | 'logout' | 'staff',
  args: string[],
  config: MessagingConfig,
  io: LoginIo,
): Promise<number> {
  try {
    const identity = loadIdentityConfig(io.env, { profile: config.profile, stateDir: config.stateDir });
    const claims = { roles: identity.rolesClaim, pharmacy: identity.pharmacyClaim };
    switch (command) {
      case 'staff':
        return staff(identity, config, io);
      case 'login': {
        const username = checkUsername(config.profile, args[0]);
        const print = args.includes('--print');
        let stored: StoredSession;
        if (config.profile === 'embedded') {
          const password = await passwordFor(identity, username, args, io);
          const session = await signIn({
            issuer: identity.issuer,
            clientId: identity.clientId,
            username,
            password,
            claims,
          });
          stored = session.stored();
        } else {
          const session = await browserSignIn({
            issuer: identity.issuer,
            clientId: identity.clientId,
            claims,
            // The callback the CDK stack registers for terminals (docs/aws-people.md).
            redirectPort: CLI_CALLBACK_PORT,
            redirectHost: 'localhost',
            onUrl: (url) =>
              io.err.line(`Open this address in a browser to sign in as ${username}:\n  ${url}`),
          });
          stored = { ...session.stored(), username };
        }
        const file = writeSession(config, username, stored);
        if (print) io.out.line(stored.accessToken);
        else {
          io.out.line(
            `signed in as ${username} (roles: ${stored.roles.join(', ') || 'none'}` +
              `${stored.pharmacyId ? `, pharmacy ${stored.pharmacyId}` : ''}); access token valid until ` +
              `${clock(stored.expiresAt)}, session kept in ${file}`,
          );
          io.out.line(`  a fresh token for curl: TOKEN=$(npm run -s clinic -- token ${username})`);
        }
        return 0;
      }
      case 'token': {
        const username = checkUsername(config.profile, args[0]);
        const session = resumeSession(readSession(config, username), (next) =>
          writeSession(config, username, next),
        );
        io.out.line(await session.freshAccessToken());
        return 0;
      }
      case 'logout': {
        const username = checkUsername(config.profile, args[0]);
        const file = sessionFile(config, username);
        if (!existsSync(file)) {
          io.out.line(`${username} was not signed in here`);
          return 0;
        }
        try {
          await resumeSession(readSession(config, username)).signOut();
        } finally {
          // Whatever the provider said, the local copy of the tokens goes.
          rmSync(file, { force: true });
        }
        io.out.line(`signed out ${username}: refresh token revoked, session ended, ${file} deleted`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof LoginCommandError) {
      io.err.line(`error: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof SignInError) {
      const again =
        error.code === SignInErrorCode.SessionEnded && args[0]
          ? ` Run "npm run clinic -- login ${args[0]}".`
          : '';
      io.err.line(`error: ${error.message}${again}`);
      return 1;
    }
    throw error;
  }
}

function staff(identity: IdentityConfig, config: MessagingConfig, io: LoginIo): number {
  if (config.profile !== 'embedded') {
    io.err.line(
      'error: in the aws profile, staff live in the Cognito user pool (see infra/); there is no local list.',
    );
    return 2;
  }
  const file = path.join(identity.stateDir, STAFF_FILE);
  const passwords = readStaffPasswords(identity.stateDir);
  io.out.line(`Synthetic staff of the embedded identity provider (${identity.issuer}):`);
  io.out.line(`  ${'username'.padEnd(13)}${'roles'.padEnd(17)}${'pharmacy'.padEnd(10)}password`);
  for (const member of STAFF) {
    io.out.line(
      `  ${member.username.padEnd(13)}${member.roles.join(',').padEnd(17)}${(member.pharmacyId ?? '-').padEnd(10)}` +
        `${passwords?.[member.username] ?? '-'}`,
    );
  }
  io.out.line(
    passwords
      ? `Passwords are kept in ${file} (owner-only). Workshop accounts: synthetic, local only.`
      : `No passwords yet: they are generated into ${file} when the provider first starts ("npm start").`,
  );
  return 0;
}

/** The real terminal: stdout/stderr, hidden password prompt, stdin. */
export function processLoginIo(): LoginIo {
  return {
    out: { line: (t) => process.stdout.write(`${t}\n`) },
    err: { line: (t) => process.stderr.write(`${t}\n`) },
    env: process.env,
    interactive: Boolean(process.stdin.isTTY),
    askHidden: (question) => askHidden(question),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

function askHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  let value = '';
  return new Promise((resolve, reject) => {
    const done = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') {
          done();
          resolve(value);
          return;
        }
        if (c === '\u0003') {
          done();
          reject(new LoginCommandError('cancelled', 130));
          return;
        }
        value = c === '\u007f' ? value.slice(0, -1) : value + c;
      }
    };
    stdin.on('data', onData);
  });
}
