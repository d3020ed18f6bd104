// A small SVG bar chart of the benchmark's ratios (one bar per target, the goal as a tick), written
// from the results JSON so the README's picture always matches the table.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * rows: [{ target, ratio, goal: { ratio, direction: 'min' | 'max' }, met }]. A ratio is drawn as a bar
 * on a shared scale; "min" goals are met at or above the tick, "max" goals at or below it.
 */
export function ratioChart(rows, title) {
  const shown = rows.filter((r) => Number.isFinite(r.ratio) && r.goal?.ratio !== undefined);
  const barH = 22;
  const gap = 8;
  const left = 330;
  const width = 820;
  const plotW = width - left - 70;
  const top = 40;
  const height = top + shown.length * (barH + gap) + 30;
  const maxValue = Math.max(2, ...shown.map((r) => Math.min(r.ratio, 12)), ...shown.map((r) => r.goal.ratio)) * 1.05;
  const x = (v) => left + (Math.min(v, maxValue) / maxValue) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  shown.forEach((r, i) => {
    const y = top + i * (barH + gap);
    const colour = r.met ? '#2e7d32' : '#c62828';
    parts.push(
      `<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end">${esc(r.target)}</text>`,
      `<rect x="${left}" y="${y}" width="${Math.max(1, x(r.ratio) - left)}" height="${barH}" fill="${colour}" opacity="0.8"/>`,
      `<line x1="${x(r.goal.ratio)}" x2="${x(r.goal.ratio)}" y1="${y - 3}" y2="${y + barH + 3}" stroke="#000" stroke-width="2"/>`,
      `<text x="${x(r.ratio) + 6}" y="${y + barH / 2 + 4}">${r.ratio.toFixed(2)}×</text>`,
    );
  });
  const axisY = top + shown.length * (barH + gap) + 12;
  parts.push(
    `<text x="${left}" y="${axisY}" fill="#555">ratio to the baseline measured in the same run; black tick = goal (green met, red not met)</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
