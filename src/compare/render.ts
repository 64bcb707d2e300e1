/** A comparison for people: a terminal table and Markdown, from the same rows. */
import type { LoadComparison } from './compare-load.js';
import type { RunComparison, Trust } from './compare-runs.js';

const TRUST_WORDS: Record<Trust, (a: string, b: string) => string> = {
  both: () => 'either',
  'a-only': (a) => `${a} only`,
  'b-only': (_a, b) => `${b} only`,
  disagree: () => 'neither: they disagree',
  neither: () => 'neither: not executed',
};

/** Rows of cells; the first row is the header. */
type Table = string[][];

interface Section {
  title: string;
  text?: string;
  table?: Table;
}

const MAX_ROWS = 60;

function runSections(c: RunComparison): Section[] {
  const { a, b } = c;
  const sections: Section[] = [];
  const counts = (label: string, s: RunComparison['a']['summary'], verdict: string) => [
    label,
    verdict,
    String(s.executed),
    String(s.passed),
    String(s.failed),
    String(s.skipped),
    String(s.unsupported),
  ];
  sections.push({
    title: 'Summary',
    table: [
      ['', 'verdict', 'executed', 'passed', 'failed', 'skipped', 'unsupported'],
      counts(a.label, a.summary, a.verdict),
      counts(b.label, b.summary, b.verdict),
    ],
    text: `executed: ${signed(c.executed_delta)} (${a.summary.executed} → ${b.summary.executed})`,
  });
  sections.push(
    c.status_changes.length === 0
      ? { title: 'Status changes', text: 'none: every check has the same status in both' }
      : {
          title: `Status changes (${c.status_changes.length})`,
          table: [
            ['check', a.label, b.label, 'reason'],
            ...c.status_changes
              .slice(0, MAX_ROWS)
              .map((change) => [change.id, change.a, change.b, change.reason ?? '']),
          ],
        },
  );
  sections.push({
    title: 'Decision matrix: which environment to trust for each rule',
    text: Object.entries(c.trust_counts)
      .filter(([, count]) => count > 0)
      .map(([trust, count]) => `${TRUST_WORDS[trust as Trust](a.label, b.label)}: ${count}`)
      .join(', '),
    table: [
      ['rule', a.label, b.label, 'trust'],
      ...c.decision_matrix.map((row) => [row.rule, row.a, row.b, TRUST_WORDS[row.trust](a.label, b.label)]),
    ],
  });
  if (c.timing.length > 0)
    sections.push({
      title: 'Timing (largest changes first)',
      table: [
        ['check', `${a.label} ms`, `${b.label} ms`, 'Δ ms', '×'],
        ...c.timing
          .slice(0, 15)
          .map((row) => [
            row.id,
            String(row.a_ms),
            String(row.b_ms),
            signed(row.delta_ms),
            row.ratio === null ? '–' : String(row.ratio),
          ]),
      ],
    });
  return sections;
}

function loadSections(c: LoadComparison): Section[] {
  const { a, b } = c;
  return [
    {
      title: 'Summary',
      table: [
        ['', 'verdict', 'sessions', 'elapsed ms'],
        [a.label, a.verdict, String(a.sessions), String(a.elapsed_ms)],
        [b.label, b.verdict, String(b.sessions), String(b.elapsed_ms)],
      ],
    },
    {
      title: 'Latency percentiles (from the histograms)',
      table: [
        ['metric', 'stat', `${a.label} ms`, `${b.label} ms`, 'Δ ms', '×'],
        ...c.latency.map((row) => [
          row.metric,
          row.stat,
          String(row.a_ms),
          String(row.b_ms),
          signed(row.delta_ms),
          row.ratio === null ? '–' : String(row.ratio),
        ]),
      ],
    },
    {
      title: 'Counters',
      table: [
        ['counter', a.label, b.label, 'Δ'],
        ...c.counters
          .filter((row) => row.a !== 0 || row.b !== 0)
          .map((row) => [row.name, String(row.a), String(row.b), signed(row.delta)]),
      ],
    },
    {
      title: 'Thresholds',
      table: [['rule', a.label, b.label], ...c.thresholds.map((row) => [row.rule, row.a, row.b])],
    },
  ];
}

const signed = (value: number) => (value > 0 ? `+${value}` : String(value));

function sectionsOf(comparison: RunComparison | LoadComparison): Section[] {
  return comparison.kind === 'run' ? runSections(comparison) : loadSections(comparison);
}

export function renderComparisonMarkdown(comparison: RunComparison | LoadComparison): string {
  const escapeCell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [`## agentwire compare: ${comparison.a.label} vs ${comparison.b.label}`, ''];
  for (const section of sectionsOf(comparison)) {
    lines.push(`### ${section.title}`, '');
    if (section.text) lines.push(section.text, '');
    if (section.table) {
      const [header, ...rows] = section.table;
      lines.push(`| ${header!.map(escapeCell).join(' | ')} |`, `| ${header!.map(() => '---').join(' | ')} |`);
      for (const row of rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
      lines.push('');
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderComparisonTerminal(comparison: RunComparison | LoadComparison): string {
  const lines = [`compare ${comparison.a.label} → ${comparison.b.label}`];
  for (const section of sectionsOf(comparison)) {
    lines.push('', section.title);
    if (section.text) lines.push(`  ${section.text}`);
    if (section.table) {
      const widths = section.table[0]!.map((_, column) =>
        Math.min(60, Math.max(...section.table!.map((row) => (row[column] ?? '').length))),
      );
      for (const row of section.table)
        lines.push(
          `  ${row
            .map((cell, column) => cell.slice(0, 60).padEnd(widths[column]!))
            .join('  ')
            .trimEnd()}`,
        );
    }
  }
  return `${lines.join('\n')}\n`;
}
