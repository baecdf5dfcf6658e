/**
 * One row of the table `npm run bench` prints at the end: a figure of this tree, the figure it is
 * compared with in the same run (a peer, the monolith, a baseline ref, a floor) and their ratio.
 * A benchmark returns its rows as `summary` among its figures.
 */
export interface SummaryRow {
  work: string;
  figure: string;
  /** What it is compared with, measured in the same run, e.g. "monolith 412 req/s". */
  peer?: string;
  ratio?: number;
  goal?: string;
}

export function summaryTable(rows: readonly SummaryRow[]): string {
  const header: [string, string, string, string, string] = [
    'work',
    'this tree',
    'compared with',
    'ratio',
    'goal',
  ];
  const cells = rows.map((r): [string, string, string, string, string] => [
    r.work,
    r.figure,
    r.peer ?? '',
    r.ratio === undefined ? '' : r.ratio.toFixed(2),
    r.goal ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}
