/**
 * `agentwire compare A B`: reads two report.json files through the run report's versioned
 * schema (or two load reports through the load report's), compares them (`compare/`), prints
 * the table and writes JSON / Markdown.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import {
  COMPARE_SCHEMA_VERSION,
  type Comparison,
  compareLoad,
  compareRuns,
  renderComparisonMarkdown,
  renderComparisonTerminal,
} from '../compare/index.js';
import { ErrorCode } from '../errors.js';
import {
  LOAD_REPORT_KIND,
  type LoadReport,
  MergeError,
  mergeLoadReports,
  parseThreshold,
} from '../load/index.js';
import { writeFilesAtomically } from '../report/index.js';
import { parseRunReport, ReportSchemaError, type RunReport } from '../runner/index.js';
import { notCheckedError, usageError } from './errors.js';

interface CompareOptions {
  labelA?: string;
  labelB?: string;
  out?: string;
  markdown?: string;
  json?: boolean;
}

type Read = { kind: 'run'; report: RunReport } | { kind: 'load'; report: LoadReport };

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description(
      'compare two run reports (report.json) or two load reports: changes, timings, which environment to trust per rule',
    )
    .argument('<a>', 'the first report (e.g. the docker tier, or before a deploy)')
    .argument('<b>', 'the second report (e.g. staging, or after)')
    .option('--label-a <name>', "name of A in the tables (default: its file's directory or name)")
    .option('--label-b <name>', 'name of B in the tables')
    .option('--out <file>', 'write the comparison as JSON')
    .option('--markdown <file>', 'write the comparison as Markdown')
    .option('--json', 'print the JSON comparison instead of the table')
    .action(async (fileA: string, fileB: string, options: CompareOptions) => {
      const [a, b] = [await readReport(fileA), await readReport(fileB)];
      if (a.kind !== b.kind)
        throw usageError(
          ErrorCode.AW_COMPARE_KINDS,
          `${fileA} is a ${a.kind} report and ${fileB} a ${b.kind} report: compare two run reports (report.json) or two load reports (load --out)`,
        );
      const labels = { a: options.labelA ?? labelOf(fileA), b: options.labelB ?? labelOf(fileB) };
      if (labels.a === labels.b) {
        labels.a = `A (${labels.a})`;
        labels.b = `B (${labels.b})`;
      }
      const report =
        a.kind === 'run' && b.kind === 'run'
          ? compareRuns(a.report, b.report, labels)
          : compareLoad(a.report as LoadReport, b.report as LoadReport, labels);
      const comparison: Comparison = {
        schema_version: COMPARE_SCHEMA_VERSION,
        kind: 'agentwire.compare',
        a_file: fileA,
        b_file: fileB,
        report,
      };
      const json = `${JSON.stringify(comparison, null, 2)}\n`;
      const outputs = [
        ...(options.out ? [{ path: options.out, content: json }] : []),
        ...(options.markdown ? [{ path: options.markdown, content: renderComparisonMarkdown(report) }] : []),
      ];
      if (outputs.length > 0) await writeFilesAtomically(outputs);
      process.stdout.write(options.json ? json : renderComparisonTerminal(report));
    });
}

/** report.json in a report directory is named by the directory: `docker/report.json` → docker. */
function labelOf(file: string): string {
  const name = basename(file).replace(/\.json$/, '');
  return name === 'report' ? basename(dirname(file)) || name : name;
}

async function readReport(file: string): Promise<Read> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw notCheckedError(
      ErrorCode.AW_COMPARE_UNREADABLE,
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    throw notCheckedError(
      ErrorCode.AW_COMPARE_BAD_REPORT,
      `${file} is not JSON: pass report.json from "agentwire run" or the file of "agentwire load --out"`,
    );
  }
  const raw = content as { kind?: unknown; thresholds?: unknown } | null;
  try {
    if (raw && typeof raw === 'object' && raw.kind === LOAD_REPORT_KIND) {
      // Re-read through the load report's schema: percentiles come from the histograms, and the
      // thresholds the run was given are evaluated on them again.
      const recorded = Array.isArray(raw.thresholds)
        ? (raw.thresholds as { expression: string; source?: 'default' | 'given' }[])
        : [];
      const thresholds = recorded.map((threshold) =>
        parseThreshold(threshold.expression, threshold.source ?? 'given'),
      );
      return { kind: 'load', report: mergeLoadReports([{ name: file, content }], thresholds) };
    }
    return { kind: 'run', report: parseRunReport(content) };
  } catch (error) {
    if (error instanceof ReportSchemaError || error instanceof MergeError)
      throw notCheckedError(ErrorCode.AW_COMPARE_BAD_REPORT, `${file}: ${error.message}`);
    throw error;
  }
}
