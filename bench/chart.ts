/** Hand-written SVG charts for docs/performance.md (no dependency). */

export interface Bar {
  readonly label: string;
  readonly value: number;
}

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * A "nice" axis end at or above `max`, whose quarters are round too: 1, 1.2, 1.6, 2, 2.4, 3, 4, 6
 * or 8 times a power of ten.
 */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 1.2, 1.6, 2, 2.4, 3, 4, 6, 8, 10].map((m) => m * power).find((v) => v >= max)!;
}

/**
 * A horizontal bar chart: one bar per entry, its value printed at its end, an axis with five
 * ticks. `highlight` names bars drawn in the accent colour (the total, say).
 */
export function barChartSvg(options: {
  title: string;
  subtitle: string;
  unit: string;
  bars: readonly Bar[];
  highlight?: readonly string[];
  /** Room for the labels, in px. Default 170. */
  labelWidth?: number;
  /** Decimals of the values printed at the bars' ends. Default 2. */
  digits?: number;
}): string {
  const { bars, unit, labelWidth = 170, digits = 2 } = options;
  const width = 720;
  const valueWidth = 90;
  const top = 64;
  const rowHeight = 28;
  const barHeight = 18;
  const plotWidth = width - labelWidth - valueWidth - 20;
  const axisMax = niceCeiling(Math.max(0, ...bars.map((b) => b.value)));
  const height = top + bars.length * rowHeight + 44;
  const x = (value: number) => labelWidth + (Math.max(0, value) / axisMax) * plotWidth;
  const step = axisMax / 4;
  const lines: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="title desc" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="13">`,
    `<title id="title">${escape(options.title)}</title>`,
    `<desc id="desc">${escape(`${unit}: ${bars.map((b) => `${b.label} ${b.value.toFixed(2)}`).join(', ')}`)}</desc>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="16" y="26" font-size="16" font-weight="600" fill="#1a1a1a">${escape(options.title)}</text>`,
    `<text x="16" y="46" fill="#555555">${escape(options.subtitle)}</text>`,
  ];
  const axisY = top + bars.length * rowHeight;
  for (let i = 0; i <= 4; i++) {
    const value = step * i;
    const tx = x(value).toFixed(1);
    lines.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${axisY}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${axisY + 18}" text-anchor="middle" fill="#555555">${Math.round(value * 100) / 100}</text>`,
    );
  }
  lines.push(
    `<text x="${(labelWidth + plotWidth / 2).toFixed(1)}" y="${axisY + 36}" text-anchor="middle" fill="#555555">${escape(unit)}</text>`,
  );
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const colour = options.highlight?.includes(bar.label) ? '#b3541e' : '#2f6f9f';
    const barWidth = Math.max(1, x(bar.value) - labelWidth).toFixed(1);
    lines.push(
      `<text x="${labelWidth - 10}" y="${y + barHeight - 4}" text-anchor="end" fill="#1a1a1a">${escape(bar.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${barWidth}" height="${barHeight}" fill="${colour}"/>`,
      `<text x="${(x(bar.value) + 6).toFixed(1)}" y="${y + barHeight - 4}" fill="#1a1a1a">${bar.value.toFixed(digits)}</text>`,
    );
  });
  lines.push('</svg>');
  return lines.join('\n') + '\n';
}

/**
 * Several charts from {@link barChartSvg} one above the other, in one SVG document (each kept
 * whole as a nested `<svg>`, its title and description included).
 */
export function stackChartsSvg(charts: readonly string[]): string {
  const size = (svg: string) => {
    const match = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
    if (!match) throw new Error('stackChartsSvg: not a chart from barChartSvg');
    return { width: Number(match[1]), height: Number(match[2]) };
  };
  let y = 0;
  const parts = charts.map((svg, i) => {
    // Ids stay unique in the one document.
    const part = svg
      .trimEnd()
      .replace(/^<svg /, `<svg y="${y}" `)
      .replace('aria-labelledby="title desc"', `aria-labelledby="title-${i} desc-${i}"`)
      .replace('id="title"', `id="title-${i}"`)
      .replace('id="desc"', `id="desc-${i}"`);
    y += size(svg).height;
    return part;
  });
  const width = Math.max(0, ...charts.map((svg) => size(svg).width));
  return (
    [
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">`,
      ...parts,
      '</svg>',
    ].join('\n') + '\n'
  );
}
