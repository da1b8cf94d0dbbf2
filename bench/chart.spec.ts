import { barChartSvg, niceCeiling } from './chart';

describe('niceCeiling', () => {
  it.each([
    [0.7, 0.8],
    [1, 1],
    [1.3, 1.6],
    [2.2, 2.4],
    [3, 3],
    [3.1, 4],
    [17.9, 20],
    [22.9, 24],
    [25.1, 30],
    [61, 80],
    [0, 1],
  ])('%p -> %p', (max, nice) => expect(niceCeiling(max)).toBe(nice));
});

describe('barChartSvg', () => {
  const svg = barChartSvg({
    title: 'CPU per record <clinic>',
    subtitle: 'measured & drawn by the bench',
    unit: 'ms of CPU per record',
    bars: [
      { label: 'emr', value: 5 },
      { label: 'billing', value: 2.5 },
      { label: 'total', value: 10 },
    ],
    highlight: ['total'],
  });

  it('is one SVG document with escaped text and a description of every bar', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('CPU per record &lt;clinic&gt;');
    expect(svg).toContain('measured &amp; drawn');
    expect(svg).toContain('<desc id="desc">ms of CPU per record: emr 5.00, billing 2.50, total 10.00</desc>');
  });

  it('labels the axis in round steps', () => {
    const ticks = [
      ...svg.matchAll(/<text x="[\d.]+" y="\d+" text-anchor="middle" fill="#555555">([\d.]+)</g),
    ];
    expect(ticks.map((m) => m[1])).toEqual(['0', '2.5', '5', '7.5', '10']);
  });

  it('draws bars in proportion, the highlighted one in the accent colour', () => {
    const widths = [...svg.matchAll(/<rect x="170" y="\d+" width="([\d.]+)" height="18" fill="(#\w+)"/g)];
    expect(widths.map((m) => m[2])).toEqual(['#2f6f9f', '#2f6f9f', '#b3541e']);
    const [emr, billing, total] = widths.map((m) => Number(m[1]));
    expect(total).toBeCloseTo(2 * emr, 0);
    expect(emr).toBeCloseTo(2 * billing, 0);
  });
});
