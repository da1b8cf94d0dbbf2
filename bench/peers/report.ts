import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { barChartSvg, stackChartsSvg } from '../chart';
import { machineSpeedLine, type MachineSpeed } from '../reference-job';
import { fmt, progress, table } from '../support';
import { LIBRARY_CONTENDER } from './library.contender';
import {
  MIN_RATIO_TO_RAW,
  PEER_MODES,
  type PairedCpuRatio,
  type PeerMode,
  type PeerRow,
  type PeerSample,
  type PeerVerdict,
} from './summary';

const RESULTS_FILE = path.join(__dirname, '..', 'results', 'peers.json');
const CHART_FILE = path.join(__dirname, '..', '..', 'docs', 'images', 'performance', 'peers.svg');
const OURS = LIBRARY_CONTENDER;

/** What `npm run bench -- peers` measured: every run, and the figures drawn from them. */
export interface PeersBenchResult {
  readonly messages: number;
  readonly rounds: number;
  readonly node: string;
  readonly cores: number;
  readonly bodyBytes: Record<PeerMode, number>;
  readonly samples: readonly PeerSample[];
  readonly rows: readonly PeerRow[];
  readonly verdicts: readonly PeerVerdict[];
  /** Per mode, this library's CPU over the leanest peer's, round by round (information). */
  readonly paired: readonly PairedCpuRatio[];
  readonly duplicates: number;
  /** The machine's speed (bench/reference-job.ts) before and after the runs. */
  readonly machineSpeed: { readonly before: MachineSpeed; readonly after: MachineSpeed };
}

/** Prints the comparison, writes the JSON and the chart; returns false when a target is missed. */
export function reportPeersBench(result: PeersBenchResult): boolean {
  for (const mode of PEER_MODES) {
    const rows = result.rows.filter((r) => r.mode === mode);
    console.log(
      `\n${mode === 'plain' ? 'Plaintext bodies' : 'Encryption SDK bodies, decrypted in the handler'} (${fmt(result.messages)} messages, ${result.rounds} rounds, ${fmt(result.bodyBytes[mode])} B body):\n`,
    );
    console.log(
      table(
        ['contender', 'median msgs/s', 'range', 'x raw', 'CPU s / 1,000 msgs'],
        rows.map((r) => [
          r.contender,
          fmt(r.medianPerSecond),
          `${fmt(r.minPerSecond)}-${fmt(r.maxPerSecond)}`,
          fmt(r.ratioToRaw, 2),
          fmt(r.cpuSecondsPer1000, 3),
        ]),
      ),
    );
  }
  console.log('');
  for (const v of result.verdicts) {
    console.log(
      `${OURS} / raw (${v.mode}):`.padEnd(42) +
        `${fmt(v.ratioToRaw, 2)}  (target >= ${MIN_RATIO_TO_RAW})  ${v.ratioMet ? 'met' : 'MISSED'}`,
    );
    console.log(
      `${OURS} CPU / 1,000 (${v.mode}):`.padEnd(42) +
        `${fmt(v.cpuSecondsPer1000, 3)} s  (leanest peer ${v.leanestPeer}: ${fmt(v.leanestPeerCpuSecondsPer1000, 3)} s)  ${v.cpuMet ? 'met' : 'MISSED'}`,
    );
    const paired = result.paired.find((p) => p.mode === v.mode && p.peer === v.leanestPeer);
    if (paired) {
      console.log(
        `  same round, ${OURS} CPU / ${paired.peer} CPU (information): median ${fmt(paired.median, 3)}, ` +
          `${fmt(paired.min, 3)}-${fmt(paired.max, 3)}, at or below 1 in ${paired.roundsAtOrBelow} of ${paired.rounds} rounds`,
      );
    }
  }
  const onOff = result.rows
    .filter((r) => r.mode === 'encrypted')
    .map((e) => {
      const plain = result.rows.find((p) => p.mode === 'plain' && p.contender === e.contender)!;
      return `${e.contender} ${fmt(e.medianPerSecond / plain.medianPerSecond, 2)}`;
    });
  console.log(`encrypted / plaintext (information):  ${onOff.join(', ')}`);
  console.log(
    `duplicates: ${result.duplicates}. CPU is process.cpuUsage() of the bench process over each consume phase: every\n` +
      'contender runs in this one process (the broker runs in its own, not counted).',
  );
  console.log(machineSpeedLine(result.machineSpeed));
  writeResults(result);
  return result.verdicts.length === PEER_MODES.length && result.verdicts.every((v) => v.ratioMet && v.cpuMet);
}

function writeResults(result: PeersBenchResult): void {
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(
    RESULTS_FILE,
    JSON.stringify({ measuredAt: new Date().toISOString(), ...result }, null, 2) + '\n',
  );
  const subtitle = `${fmt(result.messages)} messages, median of ${result.rounds} interleaved rounds, ${result.node}, ${result.cores} cores`;
  const bars = (value: (r: PeerRow) => number) =>
    result.rows.map((r) => ({ label: `${r.mode}: ${r.contender}`, value: value(r) }));
  const highlight = PEER_MODES.map((mode) => `${mode}: ${OURS}`);
  mkdirSync(path.dirname(CHART_FILE), { recursive: true });
  writeFileSync(
    CHART_FILE,
    stackChartsSvg([
      barChartSvg({
        title: 'Consumer throughput against the peers',
        subtitle,
        unit: 'messages per second (median)',
        bars: bars((r) => r.medianPerSecond),
        highlight,
        labelWidth: 250,
        digits: 0,
      }),
      barChartSvg({
        title: 'CPU per 1,000 messages',
        subtitle: 'the bench process (all contenders in-process), over each consume phase',
        unit: 'CPU seconds per 1,000 messages (median)',
        bars: bars((r) => r.cpuSecondsPer1000),
        highlight,
        labelWidth: 250,
        digits: 3,
      }),
    ]),
  );
  progress(
    `wrote ${path.relative(process.cwd(), RESULTS_FILE)} and ${path.relative(process.cwd(), CHART_FILE)}`,
  );
}
