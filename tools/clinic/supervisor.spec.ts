import {
  CrashLoopError,
  RestartPolicy,
  Supervisor,
  type ProcessExit,
  type Supervisable,
  type SupervisorClock,
} from './supervisor';

/** A process under test: ends when the test says so, records whether it was asked to stop. */
class FakeProcess implements Supervisable {
  stopped = false;
  private end!: (exit: ProcessExit) => void;
  readonly exited = new Promise<ProcessExit>((resolve) => (this.end = resolve));
  constructor(
    readonly name: string,
    private readonly stopLog: string[],
  ) {}
  crash(exit: ProcessExit = { code: null, signal: 'SIGKILL' }) {
    this.end(exit);
  }
  async stop() {
    this.stopped = true;
    this.stopLog.push(this.name);
    this.end({ code: 0, signal: null });
    await this.exited;
  }
}

/** A clock the test moves: `sleep` waits until the test advances past its deadline. */
class FakeClock implements SupervisorClock {
  private time = 0;
  private sleepers: Array<{ until: number; wake: () => void }> = [];
  readonly sleeps: number[] = [];
  now() {
    return this.time;
  }
  sleep(ms: number, signal: AbortSignal) {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      const sleeper = { until: this.time + ms, wake: resolve };
      this.sleepers.push(sleeper);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }
  /** Moves time forward, waking every sleeper whose deadline passed. */
  advance(ms: number) {
    this.time += ms;
    for (const s of this.sleepers.filter((s) => s.until <= this.time)) s.wake();
    this.sleepers = this.sleepers.filter((s) => s.until > this.time);
  }
}

/** Lets the supervisor's promise chains run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A factory that hands out FakeProcesses and remembers them. */
function factory(name: string, stopLog: string[] = []) {
  const instances: FakeProcess[] = [];
  let failNext = 0;
  return {
    instances,
    latest: () => instances[instances.length - 1],
    failNextStarts(n: number) {
      failNext = n;
    },
    start: (): Promise<Supervisable> => {
      if (failNext > 0) {
        failNext -= 1;
        return Promise.reject(
          new Error(`${name} did not become healthy\nstderr tail that must not be printed`),
        );
      }
      const p = new FakeProcess(name, stopLog);
      instances.push(p);
      return Promise.resolve(p);
    },
  };
}

describe('RestartPolicy', () => {
  it('backs off from 0.5 s, doubling, and gives up on the sixth crash within 60 s', () => {
    const policy = new RestartPolicy();
    const decisions = [0, 1_000, 2_000, 3_000, 4_000, 5_000].map((t) => policy.crashed(t));
    expect(decisions.slice(0, 5)).toEqual([
      { action: 'restart', attempt: 1, delayMs: 500 },
      { action: 'restart', attempt: 2, delayMs: 1_000 },
      { action: 'restart', attempt: 3, delayMs: 2_000 },
      { action: 'restart', attempt: 4, delayMs: 4_000 },
      { action: 'restart', attempt: 5, delayMs: 8_000 },
    ]);
    expect(decisions[5]).toEqual({ action: 'give-up', crashes: 6, windowMs: 60_000 });
  });

  it('caps the delay at 15 s and forgets crashes older than the window', () => {
    const policy = new RestartPolicy();
    // One crash every 20 s: never more than 3 in a minute, so never a crash loop.
    const delays = Array.from({ length: 8 }, (_, i) => policy.crashed(i * 20_000));
    expect(delays.map((d) => (d.action === 'restart' ? d.delayMs : d.action))).toEqual([
      500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000,
    ]);
  });

  it('starts again from 0.5 s once the process stayed up for 30 s', () => {
    const policy = new RestartPolicy();
    policy.crashed(0);
    policy.started(500);
    expect(policy.crashed(1_000)).toMatchObject({ attempt: 2, delayMs: 1_000 });
    policy.started(2_000);
    expect(policy.crashed(2_000 + 29_999)).toMatchObject({ attempt: 3, delayMs: 2_000 });
    policy.started(40_000);
    expect(policy.crashed(40_000 + 30_000)).toMatchObject({ attempt: 1, delayMs: 500 });
  });

  it('counts a failed start (no started() in between) as a crash without resetting', () => {
    const policy = new RestartPolicy({ stableAfterMs: 10 });
    policy.started(0);
    expect(policy.crashed(100)).toMatchObject({ attempt: 1 }); // stable: reset, then attempt 1
    expect(policy.crashed(200)).toMatchObject({ attempt: 2 }); // the restart failed: no reset
  });
});

describe('Supervisor', () => {
  function setup() {
    const clock = new FakeClock();
    const lines: string[] = [];
    const supervisor = new Supervisor({ log: (l) => lines.push(l), clock });
    return { clock, lines, supervisor };
  }

  it('restarts a process that was killed, after the back-off, leaving the others alone', async () => {
    const { clock, lines, supervisor } = setup();
    const billing = factory('billing');
    const emr = factory('emr');
    await supervisor.supervise('emr', emr.start, { tier: 2 });
    await supervisor.supervise('billing', billing.start, { tier: 2 });

    billing.latest().crash({ code: null, signal: 'SIGKILL' });
    await settle();
    expect(lines).toEqual(['billing exited unexpectedly (signal SIGKILL); restart 1 in 0.5 s']);
    expect(billing.instances).toHaveLength(1); // still waiting out the back-off
    clock.advance(499);
    await settle();
    expect(billing.instances).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(billing.instances).toHaveLength(2);
    expect(lines[1]).toBe('billing is running again (restart 1)');
    expect(supervisor.current('billing')).toBe(billing.latest());
    expect(supervisor.restarts('billing')).toBe(1);
    expect(emr.instances).toHaveLength(1);
    expect(emr.latest().stopped).toBe(false);

    billing.latest().crash({ code: 1, signal: null });
    await settle();
    expect(lines[2]).toBe('billing exited unexpectedly (exit code 1); restart 2 in 1 s');
    await supervisor.stop();
  });

  it('retries a restart that fails, with the next delay, printing only the first line of the error', async () => {
    const { clock, lines, supervisor } = setup();
    const broker = factory('broker');
    await supervisor.supervise('broker', broker.start, { tier: 1 });
    broker.failNextStarts(2);
    broker.latest().crash();
    await settle();
    clock.advance(500);
    await settle();
    clock.advance(1_000);
    await settle();
    clock.advance(2_000);
    await settle();
    expect(lines).toEqual([
      'broker exited unexpectedly (signal SIGKILL); restart 1 in 0.5 s',
      'broker did not come back (broker did not become healthy); restart 2 in 1 s',
      'broker did not come back (broker did not become healthy); restart 3 in 2 s',
      'broker is running again (restart 3)',
    ]);
    expect(lines.join('\n')).not.toContain('stderr tail');
    expect(broker.instances).toHaveLength(2);
    await supervisor.stop();
  });

  it('reports a crash loop on the sixth crash within a minute and restarts it no more', async () => {
    const { clock, lines, supervisor } = setup();
    const billing = factory('billing');
    await supervisor.supervise('billing', billing.start, { tier: 2 });
    let loop: CrashLoopError | undefined;
    void supervisor.crashLoop.then((e) => (loop = e));
    for (let crash = 1; crash <= 6; crash++) {
      billing.latest().crash({ code: 1, signal: null });
      await settle();
      clock.advance(clock.sleeps[clock.sleeps.length - 1] ?? 0);
      await settle();
    }
    expect(billing.instances).toHaveLength(6); // the first start and five restarts
    expect(loop).toBeInstanceOf(CrashLoopError);
    expect(loop).toMatchObject({ process: 'billing', crashes: 6, code: 'CRASH_LOOP' });
    expect(lines[lines.length - 1]).toBe(
      'billing keeps crashing: billing crashed 6 times within 60 s (last: exit code 1); it is not restarted again.',
    );
    await supervisor.stop();
  });

  it('stops apps first, then the broker, then PostgreSQL, and restarts nothing while stopping', async () => {
    const { lines, supervisor } = setup();
    const order: string[] = [];
    const postgres = factory('postgres', order);
    const broker = factory('broker', order);
    const emr = factory('emr', order);
    const billing = factory('billing', order);
    await supervisor.supervise('postgres', postgres.start, { tier: 0 });
    await supervisor.supervise('broker', broker.start, { tier: 1 });
    await supervisor.supervise('emr', emr.start, { tier: 2 });
    await supervisor.supervise('billing', billing.start, { tier: 2 });
    await supervisor.stop();
    expect(order.slice(0, 2).sort()).toEqual(['billing', 'emr']);
    expect(order.slice(2)).toEqual(['broker', 'postgres']);
    expect(lines).toEqual([]);
    for (const f of [postgres, broker, emr, billing]) expect(f.instances).toHaveLength(1);
  });

  it('cancels a restart that is waiting out its back-off when it is stopped', async () => {
    const { clock, lines, supervisor } = setup();
    const billing = factory('billing');
    await supervisor.supervise('billing', billing.start, { tier: 2 });
    billing.latest().crash();
    await settle();
    expect(lines).toHaveLength(1);
    await supervisor.stop();
    clock.advance(60_000);
    await settle();
    expect(billing.instances).toHaveLength(1);
    expect(lines).toHaveLength(1);
    await expect(supervisor.supervise('late', billing.start, { tier: 2 })).rejects.toThrow(/stopping/);
  });

  it('throws a failed first start to the caller instead of retrying it', async () => {
    const { lines, supervisor } = setup();
    const broker = factory('broker');
    broker.failNextStarts(1);
    await expect(supervisor.supervise('broker', broker.start, { tier: 1 })).rejects.toThrow(/healthy/);
    expect(lines).toEqual([]);
    await supervisor.stop();
  });
});
