import { html, type SafeHtml } from './html.js';

const width = 560;
const labelWidth = 170;
const rowHeight = 30;

/**
 * Horizontal bars drawn on the server as SVG, so they need no script and pass the strict CSP;
 * each bar is labelled with its value, and the title names the chart for screen readers.
 */
export function barChart(title: string, bars: { label: string; value: number; max: number; text: string }[]): SafeHtml {
  const height = bars.length * rowHeight + 8;
  const span = width - labelWidth - 90;
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    ${bars.map((bar, index) => {
      const y = index * rowHeight + 4;
      const length = bar.max === 0 ? 0 : Math.round((bar.value / bar.max) * span);
      return html`<text class="chart-label" x="0" y="${y + 18}">${bar.label}</text>
        <rect class="chart-track" x="${labelWidth}" y="${y + 4}" width="${span}" height="18" rx="4" />
        <rect class="chart-bar" x="${labelWidth}" y="${y + 4}" width="${length}" height="18" rx="4" />
        <text class="chart-value" x="${labelWidth + span + 8}" y="${y + 18}">${bar.text}</text>`;
    })}
  </svg>`;
}

/** The share enrolled, day by day, as a line from 0 to 100 %. */
export function shareOverTime(title: string, points: { day: string; share: number }[]): SafeHtml {
  const height = 180;
  const plot = { left: 40, right: width - 10, top: 10, bottom: height - 30 };
  const x = (index: number) =>
    points.length === 1 ? (plot.left + plot.right) / 2 : plot.left + (index / (points.length - 1)) * (plot.right - plot.left);
  const y = (share: number) => plot.bottom - share * (plot.bottom - plot.top);
  const line = points.map((point, index) => `${x(index).toFixed(1)},${y(point.share).toFixed(1)}`).join(' ');
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">
    <title>${title}</title>
    ${[0, 0.5, 1].map(
      (share) => html`<line class="chart-grid" x1="${plot.left}" x2="${plot.right}" y1="${y(share)}" y2="${y(share)}" />
        <text class="chart-label" x="0" y="${y(share) + 4}">${Math.round(share * 100)} %</text>`,
    )}
    <polyline class="chart-line" points="${line}" />
    ${points.map((point, index) => html`<circle class="chart-point" cx="${x(index)}" cy="${y(point.share)}" r="3" />`)}
    ${
      points.length > 0
        ? html`<text class="chart-label" x="${plot.left}" y="${height - 8}">${points[0]!.day}</text>
          <text class="chart-label" x="${plot.right}" y="${height - 8}" text-anchor="end">${points.at(-1)!.day}</text>`
        : ''
    }
  </svg>`;
}
