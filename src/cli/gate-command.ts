/**
 * `agentwire gate REPORTS…`: the coverage gate over any runner's JUnit XML. Reads the files,
 * hands the test cases to `gate/`, prints the summary and writes gate.json / Markdown.
 */

import { appendFile, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { ErrorCode } from '../errors.js';
import {
  type Baseline,
  evaluateGate,
  expandReportArgument,
  gateReportSchema,
  JUnitReadError,
  parseJUnit,
  renderGateMarkdown,
  renderGateTerminal,
  type TestCase,
  withUniqueIds,
} from '../gate/index.js';
import { writeFilesAtomically } from '../report/index.js';
import { notCheckedError } from './errors.js';
import { collect, parseWholeNumber } from './options.js';

interface GateOptions {
  minExecuted: number;
  maxSkippedRatio?: number;
  require: string[];
  baseline?: string;
  out?: string;
  markdown?: string;
}

function parseRatio(value: string): number {
  const ratio = Number(value);
  if (value.trim() === '' || !Number.isFinite(ratio) || ratio < 0 || ratio > 1)
    throw new InvalidArgumentError(
      `--max-skipped-ratio takes a number from 0 to 1 (0.1 = 10%), got "${value}"`,
    );
  return ratio;
}

export function registerGateCommand(program: Command): void {
  program
    .command('gate')
    .description(
      'check JUnit XML from any runner: executed vs skipped, skip reasons, coverage lost against a baseline',
    )
    .argument('<reports...>', 'JUnit XML files, directories of them, or globs (results/*.xml)')
    .option(
      '--min-executed <n>',
      'fail when fewer tests executed',
      parseWholeNumber('--min-executed', 0, 10_000_000),
      1,
    )
    .option('--max-skipped-ratio <r>', 'fail when skipped / tests is above this (0 to 1)', parseRatio)
    .option('--require <glob>', 'fail unless an executed test id or file matches (repeatable)', collect, [])
    .option(
      '--baseline <file>',
      'an earlier gate.json (or JUnit XML): fail on tests executed there that are now skipped or gone',
    )
    .option('--out <file>', 'write the gate report as JSON (usable as a later --baseline)')
    .option(
      '--markdown <file>',
      'write the Markdown summary (also appended to $GITHUB_STEP_SUMMARY when set)',
    )
    .action(async (reports: string[], options: GateOptions) => {
      const files = await findReports(reports);
      const cases: TestCase[] = [];
      for (const file of files) cases.push(...readJUnit(await readText(file, 'JUnit report'), file));
      const baseline = options.baseline ? await readBaseline(options.baseline) : undefined;
      const report = evaluateGate(
        cases,
        files,
        {
          minExecuted: options.minExecuted,
          maxSkippedRatio: options.maxSkippedRatio,
          require: options.require,
        },
        baseline,
      );
      const markdown = renderGateMarkdown(report);
      const outputs = [
        ...(options.out ? [{ path: options.out, content: `${JSON.stringify(report, null, 2)}\n` }] : []),
        ...(options.markdown ? [{ path: options.markdown, content: markdown }] : []),
      ];
      if (outputs.length > 0) await writeFilesAtomically(outputs);
      const summaryFile = process.env.GITHUB_STEP_SUMMARY;
      if (summaryFile) await appendFile(summaryFile, markdown);
      process.stdout.write(renderGateTerminal(report));
      process.exitCode = report.exit_code;
    });
}

async function findReports(arguments_: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const argument of arguments_) {
    const found = await expandReportArgument(argument);
    if (found.length === 0)
      throw notCheckedError(
        ErrorCode.AW_GATE_NO_REPORTS,
        `no JUnit XML at ${argument}: did the test step run and write its report there? (pytest --junitxml, jest-junit, vitest --reporter=junit, node --test-reporter=junit, mocha --reporter xunit)`,
      );
    files.push(...found);
  }
  return [...new Set(files)];
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw notCheckedError(
      ErrorCode.AW_GATE_UNREADABLE,
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

async function readBaseline(path: string): Promise<Baseline> {
  const text = await readText(path, 'baseline');
  if (text.trimStart().startsWith('<')) return { source: path, tests: withUniqueIds(readJUnit(text, path)) };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw notCheckedError(
      ErrorCode.AW_GATE_BAD_BASELINE,
      `baseline ${path} is neither JSON nor XML: pass a gate.json written by agentwire gate --out, or a JUnit XML`,
    );
  }
  const parsed = gateReportSchema.safeParse(json);
  if (!parsed.success) {
    const version = (json as { schema_version?: unknown } | null)?.schema_version;
    throw notCheckedError(
      ErrorCode.AW_GATE_BAD_BASELINE,
      version !== undefined && version !== 1
        ? `baseline ${path} has schema_version ${String(version)}; this agentwire reads gate reports of version 1: regenerate it with this version`
        : `baseline ${path} is not a gate report (${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}): pass a gate.json written by agentwire gate --out`,
    );
  }
  return { source: path, tests: parsed.data.tests };
}

function readJUnit(text: string, path: string): TestCase[] {
  try {
    return parseJUnit(text, path);
  } catch (error) {
    if (error instanceof JUnitReadError) throw notCheckedError(ErrorCode.AW_GATE_BAD_REPORT, error.message);
    throw error;
  }
}
