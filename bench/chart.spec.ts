import { barChartSvg, niceCeiling } from './chart';

describe('niceCeiling', () => {
  it.each([
    [0.7, 1],
    [1, 1],
    [1.3, 2],
    [2.2, 2.5],
    [3, 5],
    [17.9, 20],
    [31, 50],
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
    expect(svg).toContain('<desc id="desc">emr: 5.00 ms of CPU per record; billing: 2.50 ms');
  });

  it('draws bars in proportion, the highlighted one in the accent colour', () => {
    const widths = [...svg.matchAll(/<rect x="170" y="\d+" width="([\d.]+)" height="18" fill="(#\w+)"/g)];
    expect(widths.map((m) => m[2])).toEqual(['#2f6f9f', '#2f6f9f', '#b3541e']);
    const [emr, billing, total] = widths.map((m) => Number(m[1]));
    expect(total).toBeCloseTo(2 * emr, 0);
    expect(emr).toBeCloseTo(2 * billing, 0);
  });
});
