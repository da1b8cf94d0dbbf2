import { spawn } from 'node:child_process';
import { once } from 'node:events';
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

  it('refuses 0, -1, 1 and non-integers (kill() reads 0 and -1 as whole groups of processes)', () => {
    for (const pid of [0, -1, 1, Number.NaN, 2.5]) expect(() => freezeWithChildren(pid)).toThrow(RangeError);
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
