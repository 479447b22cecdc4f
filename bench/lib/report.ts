import type { Progress } from './progress';

/** One of the targets the report holds Mailroom to. */
export interface Budget {
  name: string;
  /** The target, in words, e.g. "≤ 1.5× bare simpleParser CPU". */
  target: string;
  /** What was measured, in the same terms, e.g. "1.23×". */
  measured: string;
  met: boolean;
  /** Required when not met: by how much, and why. */
  why?: string;
}

export interface SectionResult {
  /** Stable key in report.json, e.g. "ingest". */
  id: string;
  title: string;
  /** Markdown body of the section (tables, notes); no top-level heading. */
  markdown: string;
  /** Raw numbers for report.json. */
  data: unknown;
  budgets: Budget[];
  /** Extra files to write next to the report (e.g. a chart), by file name. */
  files?: Record<string, string | Buffer>;
}

export interface BenchContext {
  progress: Progress;
  /** A shorter run (fewer messages and repetitions) for trying the benchmark out; never committed. */
  quick: boolean;
}

export type Section = (ctx: BenchContext) => Promise<SectionResult>;

/** A Markdown table from a header row and rows of cells. */
export function markdownTable(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
