/**
 * The benchmark chart: one horizontal bar per target row of docs/BENCHMARKS.md (the same-run
 * ratio, ours / the reference), with the target as a line across the bar. Plain SVG text, so
 * it diffs and renders on any registry page. `npm run bench` writes it next to the report;
 *
 *     node dist/bench/lib/chart.js docs/BENCHMARKS.md docs/benchmarks.svg
 *
 * redraws it from the report's Targets table without measuring again.
 */

import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One row of the Targets table. */
export interface ChartRow {
  what: string;
  /** As the table writes it: "≥ 1.15×" or "≤ 1.1×". */
  goal: string;
  ratio: number;
}

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/`/g, "");

/** The target's number and whether more is better ("≥") or less ("≤"). */
function parseGoal(goal: string): { value: number; atLeast: boolean } {
  const m = /([≥≤])\s*([\d.]+)/.exec(goal);
  return { value: m ? Number(m[2]) : NaN, atLeast: m?.[1] !== "≤" };
}

/** The chart as an SVG document. */
export function ratioChartSvg(rows: ChartRow[]): string {
  const labelW = 520;
  const barW = 300;
  const rowH = 26;
  const top = 56;
  const width = labelW + barW + 60; // the ratios in a column of their own, right
  const height = top + rows.length * rowH + 40;
  const finite = rows.map((r) => r.ratio).filter(Number.isFinite);
  const goals = rows.map((r) => parseGoal(r.goal).value).filter(Number.isFinite);
  const max = Math.max(2, ...finite, ...goals) * 1.05;
  const x = (v: number) => labelW + (Math.min(v, max) / max) * barW;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `  <title>Benchmark targets: same-run ratios of medians, ours against the reference, with each target as a line</title>`,
    `  <rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `  <text x="10" y="22" font-size="14" font-weight="bold">Same-run ratio, ours / reference (bar) and target (line)</text>`,
    `  <text x="10" y="40" fill="#555">green: target met; red: missed. 1× is the reference.</text>`,
    `  <line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${top + rows.length * rowH}" stroke="#999" stroke-dasharray="3 3"/>`,
    `  <text x="${x(1)}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#555">1×</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const goal = parseGoal(r.goal);
    const ok = goal.atLeast ? r.ratio >= goal.value : r.ratio <= goal.value;
    out.push(`  <text x="${labelW - 8}" y="${y + 16}" text-anchor="end">${esc(r.what)}</text>`);
    if (Number.isFinite(r.ratio)) {
      const w = Math.max(1, x(r.ratio) - labelW);
      out.push(
        `  <rect x="${labelW}" y="${y + 5}" width="${w.toFixed(1)}" height="15" fill="${ok ? "#66bb6a" : "#ef5350"}"/>`,
        `  <text x="${width - 8}" y="${y + 16}" text-anchor="end">${r.ratio.toFixed(2)}×</text>`,
      );
    } else out.push(`  <text x="${labelW + 4}" y="${y + 16}" fill="#555">no data</text>`);
    if (Number.isFinite(goal.value)) {
      const gx = x(goal.value).toFixed(1);
      out.push(
        `  <line x1="${gx}" y1="${y + 1}" x2="${gx}" y2="${y + 24}" stroke="#222" stroke-width="2"><title>target ${esc(r.goal)}</title></line>`,
      );
    }
  });
  out.push("</svg>", "");
  return out.join("\n");
}

/** The rows of the "## Targets" table of a BENCHMARKS.md. */
export function targetsFromReport(markdown: string): ChartRow[] {
  const start = markdown.indexOf("## Targets");
  if (start < 0) return [];
  const end = markdown.indexOf("\n## ", start + 3);
  const rows: ChartRow[] = [];
  for (const line of markdown.slice(start, end < 0 ? undefined : end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    if (cells.length < 5 || !/[≥≤]/.test(cells[2]!)) continue;
    rows.push({ what: cells[1]!, goal: cells[2]!, ratio: Number.parseFloat(cells[3]!) });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [report = "docs/BENCHMARKS.md", svg = "docs/benchmarks.svg"] = process.argv.slice(2);
  const rows = targetsFromReport(readFileSync(report, "utf8"));
  writeFileSync(svg, ratioChartSvg(rows));
  console.log(`wrote ${svg} (${rows.length} targets)`);
}
