import { barChartSvg, niceCeiling, stackChartsSvg } from './chart';

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

describe('barChartSvg options', () => {
  it('takes the label room and the decimals of the printed values', () => {
    const svg = barChartSvg({
      title: 't',
      subtitle: 's',
      unit: 'msgs/s',
      bars: [{ label: 'plain: raw SDK loop', value: 1965.4 }],
      labelWidth: 230,
      digits: 0,
    });
    expect(svg).toMatch(/<rect x="230" y="\d+" width="[\d.]+" height="18"/);
    expect(svg).toContain('>1965</text>');
  });
});

describe('stackChartsSvg', () => {
  const chart = (title: string, n: number) =>
    barChartSvg({
      title,
      subtitle: 's',
      unit: 'u',
      bars: Array.from({ length: n }, (_, i) => ({ label: `b${i}`, value: i + 1 })),
    });

  it('puts the charts one below the other in one document as tall as all of them', () => {
    const first = chart('first', 2);
    const second = chart('second', 4);
    const height = (svg: string) => Number(/height="(\d+)"/.exec(svg)![1]);
    const stacked = stackChartsSvg([first, second]);
    expect(stacked.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="720"')).toBe(true);
    expect(height(stacked)).toBe(height(first) + height(second));
    expect(stacked).toContain('<svg y="0" xmlns=');
    expect(stacked).toContain(`<svg y="${height(first)}" xmlns=`);
    expect(stacked.match(/<\/svg>/g)).toHaveLength(3);
    expect(stacked).toContain('aria-labelledby="title-1 desc-1"');
    expect(stacked.match(/id="title-\d"/g)).toEqual(['id="title-0"', 'id="title-1"']);
  });

  it('refuses what is not one of its charts', () => {
    expect(() => stackChartsSvg(['<g/>'])).toThrow('not a chart from barChartSvg');
  });
});
