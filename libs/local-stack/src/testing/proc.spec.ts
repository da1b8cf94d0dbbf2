import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freezePostgres } from './postgres';
import { childrenOf, freezeWithChildren, stateOf } from './proc';

/** A process with one child of its own, as a postmaster with a backend. */
async function parentWithChild(): Promise<{ parent: number; child: number; ended: Promise<unknown> }> {
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
       process.stdout.write(String(c.pid) + '\\n');
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const ended = once(parent, 'exit');
  const [line] = (await once(parent.stdout, 'data')) as [Buffer];
  return { parent: parent.pid!, child: Number(line.toString().trim()), ended };
}

/** Ends both, frozen or not: SIGKILL works on a stopped process. */
async function end({ parent, child, ended }: Awaited<ReturnType<typeof parentWithChild>>): Promise<void> {
  for (const pid of [child, parent]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await ended;
}

/** Signals are delivered asynchronously: waits (2 s at most) until `pid` is in one of `states`. */
async function untilState(pid: number, states: string[]): Promise<string | undefined> {
  const deadline = Date.now() + 2_000;
  let state = stateOf(pid);
  while (!states.includes(state ?? '') && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    state = stateOf(pid);
  }
  return state;
}

describe('freezeWithChildren', () => {
  it('stops a process and its children, and the function it returns resumes them all', async () => {
    const tree = await parentWithChild();
    try {
      expect(childrenOf(tree.parent)).toEqual([tree.child]);
      const resume = freezeWithChildren(tree.parent);
      expect(await untilState(tree.parent, ['T'])).toBe('T');
      expect(await untilState(tree.child, ['T'])).toBe('T');
      resume();
      expect(await untilState(tree.parent, ['S', 'R'])).toMatch(/^[SR]$/);
      expect(await untilState(tree.child, ['S', 'R'])).toMatch(/^[SR]$/);
    } finally {
      await end(tree);
    }
  });

  it('refuses 0, -1, 1, non-integers (kill() reads 0 and -1 as whole groups of processes) and itself', () => {
    for (const pid of [0, -1, 1, Number.NaN, 2.5, process.pid]) {
      expect(() => freezeWithChildren(pid)).toThrow(RangeError);
    }
  });

  it('resumes the processes it already froze when a signal to a child fails, and rethrows', async () => {
    const tree = await parentWithChild();
    // As root every signal succeeds, so the refusal (EPERM: a child running as another user,
    // say) is simulated at the one call that would stop the child; every other call is real.
    const realKill = process.kill.bind(process);
    const kill = jest.spyOn(process, 'kill').mockImplementation((pid, signal) => {
      if (pid === tree.child && signal === 'SIGSTOP') {
        throw Object.assign(new Error(`kill EPERM`), { code: 'EPERM' });
      }
      return realKill(pid, signal);
    });
    try {
      expect(() => freezeWithChildren(tree.parent)).toThrow('kill EPERM');
      expect(kill).toHaveBeenCalledWith(tree.parent, 'SIGSTOP');
      expect(kill).toHaveBeenCalledWith(tree.parent, 'SIGCONT');
      // Right after SIGSTOP, /proc may still say R: look once the signals have surely landed.
      await new Promise((r) => setTimeout(r, 200));
      expect(stateOf(tree.parent)).toMatch(/^[SR]$/);
    } finally {
      kill.mockRestore();
      await end(tree);
    }
  });

  it('throws, with nothing left frozen, when the process is gone', async () => {
    const tree = await parentWithChild();
    await end(tree);
    let thrown: unknown;
    try {
      freezeWithChildren(tree.parent);
    } catch (error) {
      thrown = error;
    }
    expect((thrown as NodeJS.ErrnoException | undefined)?.code).toBe('ESRCH');
  });
});

describe('freezePostgres', () => {
  it("freezes nothing when postmaster.pid names a process that is not that folder's server", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'freeze-postgres-'));
    const tree = await parentWithChild();
    try {
      // A stale file whose pid another process (here a node one) has taken since.
      writeFileSync(path.join(dir, 'postmaster.pid'), `${tree.parent}\n${dir}\n`);
      expect(() => freezePostgres(dir)).toThrow(`No running PostgreSQL server in ${dir}`);
      expect(stateOf(tree.parent)).not.toBe('T');
      writeFileSync(path.join(dir, 'postmaster.pid'), '');
      expect(() => freezePostgres(dir)).toThrow('none or unreadable');
    } finally {
      await end(tree);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
