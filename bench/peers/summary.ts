/**
 * The peer comparison's arithmetic, with no I/O: the run order, each contender's median, range
 * and CPU per 1,000 messages, the ratio to the raw loop, and the targets.
 */

/** Message bodies as the broker carries them: plaintext, or Encryption SDK envelopes. */
export type PeerMode = 'plain' | 'encrypted';

export const PEER_MODES: readonly PeerMode[] = ['plain', 'encrypted'];

/** The throughput target: this library at least this share of the raw loop's msgs/s. */
export const MIN_RATIO_TO_RAW = 0.9;

/** One timed run of one contender over the whole batch. */
export interface PeerSample {
  readonly mode: PeerMode;
  readonly contender: string;
  readonly round: number;
  readonly messages: number;
  readonly seconds: number;
  /** User + system CPU of the bench process over the consume phase. */
  readonly cpuSeconds: number;
}

/** A contender's figures in one mode, over all rounds. */
export interface PeerRow {
  readonly mode: PeerMode;
  readonly contender: string;
  readonly runs: number;
  readonly medianPerSecond: number;
  readonly minPerSecond: number;
  readonly maxPerSecond: number;
  /** Median msgs/s over the raw loop's median msgs/s in the same mode. */
  readonly ratioToRaw: number;
  /** Median over the runs of CPU seconds per 1,000 messages. */
  readonly cpuSecondsPer1000: number;
}

/** Whether this library met the two targets in one mode. */
export interface PeerVerdict {
  readonly mode: PeerMode;
  readonly ratioToRaw: number;
  readonly ratioMet: boolean;
  readonly cpuSecondsPer1000: number;
  /** The peer (not the raw loop) with the least CPU per 1,000 messages. */
  readonly leanestPeer: string;
  readonly leanestPeerCpuSecondsPer1000: number;
  readonly cpuMet: boolean;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * The order of round `round` (0-based): the contenders rotated by one per round, so that none
 * always runs first (after a cold broker) or right after the same neighbour.
 */
export function roundOrder<T>(contenders: readonly T[], round: number): T[] {
  const shift = round % contenders.length;
  return [...contenders.slice(shift), ...contenders.slice(0, shift)];
}

/** One row per mode and contender, in the order of `contenders`; `raw` names the baseline. */
export function summarizePeers(
  samples: readonly PeerSample[],
  contenders: readonly string[],
  raw: string,
): PeerRow[] {
  return PEER_MODES.flatMap((mode) => {
    const of = (contender: string) => samples.filter((s) => s.mode === mode && s.contender === contender);
    const rates = (contender: string) => of(contender).map((s) => s.messages / s.seconds);
    const rawRates = rates(raw);
    const rawMedian = rawRates.length > 0 ? median(rawRates) : NaN;
    return contenders
      .filter((contender) => of(contender).length > 0)
      .map((contender) => {
        const perSecond = rates(contender);
        const middle = median(perSecond);
        return {
          mode,
          contender,
          runs: perSecond.length,
          medianPerSecond: middle,
          minPerSecond: Math.min(...perSecond),
          maxPerSecond: Math.max(...perSecond),
          ratioToRaw: middle / rawMedian,
          cpuSecondsPer1000: median(of(contender).map((s) => (s.cpuSeconds / s.messages) * 1000)),
        };
      });
  });
}

/**
 * The targets for `ours`, per mode: at least `minRatio` of the raw loop's throughput,
 * and no more CPU per message than the leanest of `peers`.
 */
export function judgePeers(
  rows: readonly PeerRow[],
  { ours, peers, minRatio }: { ours: string; peers: readonly string[]; minRatio: number },
): PeerVerdict[] {
  return PEER_MODES.flatMap((mode) => {
    const inMode = rows.filter((r) => r.mode === mode);
    const own = inMode.find((r) => r.contender === ours);
    const rivals = inMode.filter((r) => peers.includes(r.contender));
    if (!own || rivals.length === 0) return [];
    const leanest = rivals.reduce((a, b) => (b.cpuSecondsPer1000 < a.cpuSecondsPer1000 ? b : a));
    return [
      {
        mode,
        ratioToRaw: own.ratioToRaw,
        ratioMet: own.ratioToRaw >= minRatio,
        cpuSecondsPer1000: own.cpuSecondsPer1000,
        leanestPeer: leanest.contender,
        leanestPeerCpuSecondsPer1000: leanest.cpuSecondsPer1000,
        cpuMet: own.cpuSecondsPer1000 <= leanest.cpuSecondsPer1000,
      },
    ];
  });
}

/** {@link pairedCpuRatio}'s figures, for one mode and one peer. */
export interface PairedCpuRatio {
  readonly mode: PeerMode;
  readonly peer: string;
  readonly rounds: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Rounds in which this library used no more CPU per message than the peer. */
  readonly roundsAtOrBelow: number;
}

/**
 * This library's CPU per message over a peer's, round by round (both ran in the same round, a
 * few seconds apart): the machine's slow drift between rounds, which each median of
 * {@link summarizePeers} carries, weighs less on it; the noise within a round does not. Information
 * beside the verdict, which stays on the medians. Rounds in which either did not run are left out.
 */
export function pairedCpuRatio(
  samples: readonly PeerSample[],
  { mode, ours, peer }: { mode: PeerMode; ours: string; peer: string },
): PairedCpuRatio | undefined {
  const perMessage = (contender: string) =>
    new Map(
      samples
        .filter((s) => s.mode === mode && s.contender === contender)
        .map((s) => [s.round, s.cpuSeconds / s.messages]),
    );
  const own = perMessage(ours);
  const theirs = perMessage(peer);
  const ratios = [...own]
    .filter(([round]) => theirs.has(round))
    .map(([round, cpu]) => cpu / theirs.get(round)!);
  if (ratios.length === 0) return undefined;
  return {
    mode,
    peer,
    rounds: ratios.length,
    median: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
    roundsAtOrBelow: ratios.filter((r) => r <= 1).length,
  };
}

/** A positive whole number from the environment, within `max`, or the default. */
export function boundedCount(value: string | undefined, fallback: number, max: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw new Error(`${name} must be a whole number from 1 to ${max} (got "${value}")`);
  }
  return n;
}
