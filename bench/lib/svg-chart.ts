/** A horizontal bar chart in plain SVG (no dependency), for the report. */
export interface BarPanel {
  title: string;
  unit: string;
  bars: { label: string; value: number; color?: string }[];
}

const WIDTH = 760;
const LABEL_WIDTH = 260;
const BAR_HEIGHT = 18;
const GAP = 6;
const PALETTE = ['#2f6fdf', '#e07b22', '#7a7a7a', '#3a9d5d', '#a24fbf'];

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function barChart(panels: BarPanel[]): string {
  const parts: string[] = [];
  let y = 10;
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y + 14}" font-size="14" font-weight="bold">${escape(panel.title)}</text>`);
    y += 26;
    const max = Math.max(...panel.bars.map((b) => b.value), 1);
    const scale = (WIDTH - LABEL_WIDTH - 90) / max;
    panel.bars.forEach((bar, i) => {
      const width = Math.max(1, bar.value * scale);
      const color = bar.color ?? PALETTE[i % PALETTE.length];
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${y + 13}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${color}"/>`,
        `<text x="${(LABEL_WIDTH + width + 6).toFixed(1)}" y="${y + 13}" font-size="12">${escape(formatValue(bar.value))} ${escape(panel.unit)}</text>`,
      );
      y += BAR_HEIGHT + GAP;
    });
    y += 14;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

function formatValue(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1);
}
