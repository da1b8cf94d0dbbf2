import {
  boundedCount,
  judgePeers,
  median,
  pairedCpuRatio,
  roundOrder,
  summarizePeers,
  type PeerSample,
} from './summary';

const sample = (
  mode: PeerSample['mode'],
  contender: string,
  round: number,
  seconds: number,
  cpuSeconds: number,
): PeerSample => ({ mode, contender, round, messages: 1000, seconds, cpuSeconds });

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median of no values');
  });
});

describe('roundOrder', () => {
  it('rotates the contenders by one per round', () => {
    expect(roundOrder(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(roundOrder(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(roundOrder(['a', 'b', 'c'], 4)).toEqual(['b', 'c', 'a']);
  });
});

describe('summarizePeers and judgePeers', () => {
  const samples = [
    // raw: 1000, 2000, 500 msgs/s -> median 1000
    sample('plain', 'raw', 0, 1, 0.4),
    sample('plain', 'raw', 1, 0.5, 0.5),
    sample('plain', 'raw', 2, 2, 0.6),
    // ours: 950, 800, 1000 msgs/s -> median 950 (0.95 of raw); CPU 0.45 s / 1000
    sample('plain', 'ours', 0, 1000 / 950, 0.45),
    sample('plain', 'ours', 1, 1.25, 0.44),
    sample('plain', 'ours', 2, 1, 0.46),
    sample('plain', 'peer-a', 0, 1.25, 0.5),
    sample('plain', 'peer-b', 0, 1.25, 0.42),
    // encrypted: ours at 0.8 of raw, CPU below both peers
    sample('encrypted', 'raw', 0, 2, 1),
    sample('encrypted', 'ours', 0, 2.5, 0.9),
    sample('encrypted', 'peer-a', 0, 2.5, 1.1),
    sample('encrypted', 'peer-b', 0, 2.5, 0.95),
  ];
  const rows = summarizePeers(samples, ['raw', 'peer-a', 'peer-b', 'ours'], 'raw');

  it('gives each contender its median, range, ratio to raw and CPU per 1,000 messages', () => {
    const ours = rows.find((r) => r.mode === 'plain' && r.contender === 'ours')!;
    expect(ours.runs).toBe(3);
    expect(ours.medianPerSecond).toBeCloseTo(950, 6);
    expect(ours.minPerSecond).toBeCloseTo(800, 6);
    expect(ours.maxPerSecond).toBeCloseTo(1000, 6);
    expect(ours.ratioToRaw).toBeCloseTo(0.95, 6);
    expect(ours.cpuSecondsPer1000).toBeCloseTo(0.45, 6);
    expect(rows.map((r) => `${r.mode}/${r.contender}`)).toEqual([
      'plain/raw',
      'plain/peer-a',
      'plain/peer-b',
      'plain/ours',
      'encrypted/raw',
      'encrypted/peer-a',
      'encrypted/peer-b',
      'encrypted/ours',
    ]);
  });

  it('meets or misses each target per mode against the leanest peer', () => {
    const verdicts = judgePeers(rows, { ours: 'ours', peers: ['peer-a', 'peer-b'], minRatio: 0.9 });
    expect(verdicts).toEqual([
      expect.objectContaining({ mode: 'plain', ratioMet: true, leanestPeer: 'peer-b', cpuMet: false }),
      expect.objectContaining({ mode: 'encrypted', ratioMet: false, leanestPeer: 'peer-b', cpuMet: true }),
    ]);
    expect(verdicts[1].ratioToRaw).toBeCloseTo(0.8, 6);
    expect(verdicts[0].leanestPeerCpuSecondsPer1000).toBeCloseTo(0.42, 6);
  });
});

describe('pairedCpuRatio', () => {
  // The machine slows down in round 2: both contenders' CPU doubles, and so do the medians' spread.
  const samples = [
    sample('encrypted', 'ours', 0, 1, 0.9),
    sample('encrypted', 'peer', 0, 1, 1.0),
    sample('encrypted', 'ours', 1, 1, 1.1),
    sample('encrypted', 'peer', 1, 1, 1.0),
    sample('encrypted', 'ours', 2, 1, 1.9),
    sample('encrypted', 'peer', 2, 1, 2.0),
    sample('encrypted', 'ours', 3, 1, 0.5), // no peer run in round 3: left out
    sample('plain', 'peer', 0, 1, 5),
  ];

  it('divides the two CPU figures of each round the two share, and summarises the ratios', () => {
    const paired = pairedCpuRatio(samples, { mode: 'encrypted', ours: 'ours', peer: 'peer' })!;
    expect(paired).toEqual(
      expect.objectContaining({ mode: 'encrypted', peer: 'peer', rounds: 3, roundsAtOrBelow: 2 }),
    );
    expect(paired.median).toBeCloseTo(0.95, 6);
    expect(paired.min).toBeCloseTo(0.9, 6);
    expect(paired.max).toBeCloseTo(1.1, 6);
  });

  it('gives nothing when the two never ran in the same round', () => {
    expect(pairedCpuRatio(samples, { mode: 'plain', ours: 'ours', peer: 'peer' })).toBeUndefined();
  });
});

describe('boundedCount', () => {
  it('takes the default when unset, a whole number in range otherwise', () => {
    expect(boundedCount(undefined, 3000, 50_000, 'N')).toBe(3000);
    expect(boundedCount('600', 3000, 50_000, 'N')).toBe(600);
    expect(() => boundedCount('0', 3000, 50_000, 'N')).toThrow('N must be a whole number from 1 to 50000');
    expect(() => boundedCount('1e9', 3000, 50_000, 'N')).toThrow('got "1e9"');
    expect(() => boundedCount('2.5', 3000, 50_000, 'N')).toThrow();
  });
});
