/**
 * Keeps the processes of `npm start` running: an app, the broker or PostgreSQL that exits when
 * nobody asked it to is started again after a back-off, and a process that keeps crashing stops
 * the clinic instead of spinning. Only Ctrl-C / SIGTERM or a crash loop stop everything.
 */

/** How a process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One running instance of a supervised process. */
export interface Supervisable {
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<ProcessExit>;
  /** Stops the process (gracefully where it can) and resolves once it has ended. */
  stop(): Promise<void>;
}

/** The restart rule: exponential back-off, reset after a stable run, and a crash-loop limit. */
export interface RestartPolicyOptions {
  /** Delay before the first restart. */
  readonly initialDelayMs: number;
  /** The back-off doubles up to this delay. */
  readonly maxDelayMs: number;
  /** A process that ran this long before crashing starts again from `initialDelayMs`. */
  readonly stableAfterMs: number;
  /** More than this many crashes of one process within `crashWindowMs` is a crash loop. */
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 15_000,
  stableAfterMs: 30_000,
  maxCrashes: 5,
  crashWindowMs: 60_000,
};

/** What to do after a crash: restart after `delayMs` (restart number `attempt`), or give up. */
export type RestartDecision =
  | { readonly action: 'restart'; readonly attempt: number; readonly delayMs: number }
  | { readonly action: 'give-up'; readonly crashes: number; readonly windowMs: number };

/**
 * The back-off and crash-loop rule for one process. Clock-free: the caller passes the time, so
 * the rule is tested without timers. A failed start counts as a crash.
 */
export class RestartPolicy {
  private readonly options: RestartPolicyOptions;
  private attempt = 0;
  private crashTimes: number[] = [];
  private runningSince: number | undefined;

  constructor(options: Partial<RestartPolicyOptions> = {}) {
    this.options = { ...DEFAULT_RESTART_POLICY, ...options };
  }

  /** The process is up (it answered its health check) at `nowMs`. */
  started(nowMs: number): void {
    this.runningSince = nowMs;
  }

  /** The process ended unexpectedly, or a start failed, at `nowMs`. */
  crashed(nowMs: number): RestartDecision {
    const o = this.options;
    if (this.runningSince !== undefined && nowMs - this.runningSince >= o.stableAfterMs) this.attempt = 0;
    this.runningSince = undefined;
    this.crashTimes = [...this.crashTimes.filter((t) => nowMs - t < o.crashWindowMs), nowMs];
    if (this.crashTimes.length > o.maxCrashes) {
      return { action: 'give-up', crashes: this.crashTimes.length, windowMs: o.crashWindowMs };
    }
    this.attempt += 1;
    const delayMs = Math.min(o.initialDelayMs * 2 ** (this.attempt - 1), o.maxDelayMs);
    return { action: 'restart', attempt: this.attempt, delayMs };
  }
}

/** Raised (through {@link Supervisor.crashLoop}) when a process keeps crashing. */
export class CrashLoopError extends Error {
  readonly code = 'CRASH_LOOP';
  constructor(
    readonly process: string,
    readonly crashes: number,
    readonly windowMs: number,
    readonly lastExit: string,
  ) {
    super(
      `${process} crashed ${crashes} times within ${windowMs / 1000} s (last: ${lastExit}); ` +
        'it is not restarted again.',
    );
    this.name = 'CrashLoopError';
  }
}

/** Time for the supervisor: a port, so that unit tests drive it without real waiting. */
export interface SupervisorClock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const SYSTEM_CLOCK: SupervisorClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface SupervisorOptions {
  /** Where the supervisor writes its one line per event (names and exit codes only, no PHI). */
  log(line: string): void;
  policy?: Partial<RestartPolicyOptions>;
  clock?: SupervisorClock;
}

export interface SuperviseOptions {
  /**
   * Shutdown order: higher tiers stop first, one tier at a time, a tier's processes in parallel
   * (apps before the broker before PostgreSQL, so that apps drain against live infrastructure).
   */
  tier: number;
  /** Called with each new instance after a successful restart (not for the first start). */
  onRestarted?: (instance: Supervisable) => void;
}

interface Entry {
  readonly name: string;
  readonly start: () => Promise<Supervisable>;
  readonly options: SuperviseOptions;
  readonly policy: RestartPolicy;
  current: Supervisable | undefined;
  restarts: number;
  /** Settles when the watch loop of this entry has finished (after stop or a crash loop). */
  loop: Promise<void>;
}

/** `12.5 s`, `0.5 s`. */
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** `exit code 1`, `signal SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;
}

/**
 * Starts processes through their `start()` factories and restarts any that end unexpectedly,
 * with the back-off of {@link RestartPolicy}. `stop()` is the only expected way for them to end.
 */
export class Supervisor {
  private readonly entries: Entry[] = [];
  private readonly clock: SupervisorClock;
  private readonly stopping = new AbortController();
  private stopped: Promise<void> | undefined;
  private reportCrashLoop!: (error: CrashLoopError) => void;
  /** Resolves (never rejects) with the first crash loop: the caller stops everything. */
  readonly crashLoop: Promise<CrashLoopError> = new Promise((resolve) => (this.reportCrashLoop = resolve));

  constructor(private readonly options: SupervisorOptions) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
  }

  /** True once `stop()` was called. */
  get isStopping(): boolean {
    return this.stopping.signal.aborted;
  }

  /**
   * Starts a process and supervises it from then on. The first start is not retried: a failure
   * there (a taken port, a bad setting) is a problem for the person, so it is thrown.
   */
  async supervise<T extends Supervisable>(
    name: string,
    start: () => Promise<T>,
    options: SuperviseOptions,
  ): Promise<T> {
    if (this.isStopping) throw new Error(`The supervisor is stopping; ${name} was not started.`);
    const first = await start();
    const entry: Entry = {
      name,
      start,
      options,
      policy: new RestartPolicy(this.options.policy),
      current: first,
      restarts: 0,
      loop: Promise.resolve(),
    };
    entry.policy.started(this.clock.now());
    this.entries.push(entry);
    entry.loop = this.watch(entry, first);
    if (this.isStopping) await first.stop(); // stop() ran while this one was starting
    return first;
  }

  /** The running instance of `name`, if it is up. */
  current(name: string): Supervisable | undefined {
    return this.entries.find((e) => e.name === name)?.current;
  }

  /** How many times `name` was restarted. */
  restarts(name: string): number {
    return this.entries.find((e) => e.name === name)?.restarts ?? 0;
  }

  /** Stops every process, highest tier first; nothing is restarted from now on. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.stopAll();
    return this.stopped;
  }

  private async stopAll(): Promise<void> {
    this.stopping.abort();
    const tiers = [...new Set(this.entries.map((e) => e.options.tier))].sort((a, b) => b - a);
    for (const tier of tiers) {
      const entries = this.entries.filter((e) => e.options.tier === tier);
      await Promise.all(
        entries.map(async (e) => {
          await e.current?.stop();
          await e.loop; // a restart that was under way has been stopped by its loop
        }),
      );
    }
  }

  private async watch(entry: Entry, first: Supervisable): Promise<void> {
    let instance: Supervisable | undefined = first;
    let lastExit = '';
    for (;;) {
      if (instance) {
        const exit = await instance.exited;
        entry.current = undefined;
        if (this.isStopping) return;
        lastExit = describeExit(exit);
      }
      const decision = entry.policy.crashed(this.clock.now());
      if (decision.action === 'give-up') {
        const error = new CrashLoopError(entry.name, decision.crashes, decision.windowMs, lastExit);
        this.options.log(`${entry.name} keeps crashing: ${error.message}`);
        this.reportCrashLoop(error);
        return;
      }
      this.options.log(
        instance
          ? `${entry.name} exited unexpectedly (${lastExit}); restart ${decision.attempt} in ${seconds(decision.delayMs)}`
          : `${entry.name} did not come back (${lastExit}); restart ${decision.attempt} in ${seconds(decision.delayMs)}`,
      );
      await this.clock.sleep(decision.delayMs, this.stopping.signal);
      if (this.isStopping) return;
      instance = undefined;
      try {
        instance = await entry.start();
      } catch (error) {
        // Only the first line: launch errors may carry a tail of the process's stderr.
        lastExit = firstLine(error);
        continue;
      }
      entry.restarts += 1;
      entry.current = instance;
      entry.policy.started(this.clock.now());
      if (this.isStopping) {
        await instance.stop();
        entry.current = undefined;
        return;
      }
      this.options.log(`${entry.name} is running again (restart ${decision.attempt})`);
      entry.options.onRestarted?.(instance);
    }
  }
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].slice(0, 200);
}
