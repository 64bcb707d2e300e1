// `npm run mutation`: StrykerJS over the reference backend's protocol code (stryker.config.json),
// each mutant judged by the conformance suite against the embedded backend
// (test/mutation/conformance.mutation.ts). Then prints the score and every mutant the suite let
// live, one line each: file:line:column, mutator, original → replacement.
//
//   npm run mutation                        every protocol file (see docs/mutation.md for the time)
//   npm run mutation -- --mutate src/server/auth.ts     a few files while working on them
//   npm run mutation -- --since main        only the lines changed since main's merge base (CI)
//   npm run mutation -- --report-only       the latest result of every file, without running Stryker
//
// Mutants marked with a `Stryker disable` comment are equivalent (the comment says why) and are
// not part of the score. Exits 1 when the score is below the threshold (`--break N`, default 90).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const reportFile = join(root, 'reports/mutation/mutation.json');
// The latest result of every file, whichever run it came from: runs over a few files add up.
const combinedFile = join(root, 'reports/mutation/combined.json');
const config = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));

const args = process.argv.slice(2);
let breakAt = 90;
let since;
let reportOnly = false;
const passThrough = [];
for (let index = 0; index < args.length; index++) {
  const arg = args[index];
  if (arg === '--break') breakAt = Number(args[++index]);
  else if (arg === '--since') since = args[++index];
  else if (arg === '--report-only') reportOnly = true;
  else passThrough.push(arg);
}
if (!Number.isFinite(breakAt) || breakAt < 0 || breakAt > 100)
  usage('--break takes a percentage from 0 to 100');
if (args.includes('--since') && !since) usage('--since takes a git revision, e.g. --since main');

if (!reportOnly) {
  if (since !== undefined) {
    const ranges = changedProtocolLines(since);
    if (ranges.length === 0) {
      process.stdout.write(
        `mutation: no line of the mutation scope changed since ${since}: nothing to mutate\n`,
      );
      process.exit(0);
    }
    process.stdout.write(`mutation: lines changed since ${since}: ${ranges.join(', ')}\n`);
    passThrough.push('--mutate', ranges.join(','));
  }
  const started = performance.now();
  const stryker = spawnSync(
    process.execPath,
    [join(root, 'node_modules/@stryker-mutator/core/bin/stryker.js'), 'run', ...passThrough],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  process.stdout.write(`mutation: Stryker took ${minutes} min\n`);
  if (stryker.status !== 0) {
    process.stderr.write(
      `mutation: Stryker exited with ${stryker.status ?? stryker.signal}: see its output above\n`,
    );
    process.exit(2);
  }
}

if (!reportOnly) {
  const latest = JSON.parse(readFileSync(reportFile, 'utf8'));
  const combined = existsSync(combinedFile)
    ? JSON.parse(readFileSync(combinedFile, 'utf8'))
    : { ...latest, files: {} };
  for (const [file, result] of Object.entries(latest.files))
    combined.files[file] = { ...result, ranAt: new Date().toISOString() };
  writeFileSync(combinedFile, JSON.stringify(combined));
}
const shown = reportOnly ? combinedFile : reportFile;
if (!existsSync(shown)) {
  process.stderr.write(`mutation: no report at ${relative(root, shown)}: run npm run mutation first\n`);
  process.exit(2);
}
const report = JSON.parse(readFileSync(shown, 'utf8'));
const counts = {
  Killed: 0,
  Timeout: 0,
  Survived: 0,
  NoCoverage: 0,
  Ignored: 0,
  CompileError: 0,
  RuntimeError: 0,
};
const alive = [];
const equivalent = [];
for (const [file, { source, mutants }] of Object.entries(report.files)) {
  const lines = source.split('\n');
  for (const mutant of mutants) {
    counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
    const where = `${file}:${mutant.location.start.line}:${mutant.location.start.column}`;
    if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') {
      alive.push(
        `${where}  ${mutant.mutatorName}${mutant.status === 'NoCoverage' ? ' (no coverage)' : ''}  ${snippet(original(lines, mutant.location))} → ${snippet(mutant.replacement ?? '')}`,
      );
    } else if (mutant.status === 'Ignored') {
      equivalent.push(`${where}  ${mutant.mutatorName}: ${mutant.statusReason ?? ''}`);
    }
  }
}
const detected = counts.Killed + counts.Timeout;
const valid = detected + counts.Survived + counts.NoCoverage;
const score = valid === 0 ? 100 : (100 * detected) / valid;

if (alive.length)
  process.stdout.write(`\nSurvivors (${alive.length}):\n${alive.map((line) => `  ${line}`).join('\n')}\n`);
if (args.includes('--equivalents') && equivalent.length)
  process.stdout.write(
    `\nEquivalent, marked in the code (${equivalent.length}):\n${equivalent.map((line) => `  ${line}`).join('\n')}\n`,
  );
process.stdout.write(
  `\nmutation score ${score.toFixed(1)} % of non-equivalent mutants detected: ` +
    `${counts.Killed} killed, ${counts.Timeout} timed out, ${counts.Survived} survived, ` +
    `${counts.NoCoverage} no coverage; ${counts.Ignored} equivalent (marked), ` +
    `${counts.CompileError + counts.RuntimeError} invalid\n`,
);
if (score < breakAt) {
  process.stderr.write(
    `mutation: score ${score.toFixed(1)} % is below ${breakAt} %: kill the survivors with a check, or mark a truly equivalent one (docs/mutation.md)\n`,
  );
  process.exit(1);
}

function original(lines, { start, end }) {
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  return [
    lines[start.line - 1].slice(start.column - 1),
    ...lines.slice(start.line, end.line - 1),
    lines[end.line - 1].slice(0, end.column - 1),
  ].join('\n');
}

function snippet(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? `${flat.slice(0, 67)}...` : flat || '""';
}

/**
 * The lines of the mutation scope changed since the merge base with `revision` (committed or
 * not), as Stryker `--mutate` ranges `file:first-last`: only what a change touched is mutated.
 */
function changedProtocolLines(revision) {
  let base;
  try {
    base = execFileSync('git', ['merge-base', revision, 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    usage(`--since ${revision}: no merge base with HEAD (is it a branch or commit of this repository?)`);
  }
  const ranges = [];
  for (const file of config.mutate) {
    if (!existsSync(join(root, file))) continue;
    const diff = execFileSync('git', ['diff', '-U0', base, '--', file], { cwd: root, encoding: 'utf8' });
    for (const [, start, count] of diff.matchAll(/^@@ -\S+ \+(\d+)(?:,(\d+))? @@/gm)) {
      const first = Number(start);
      const lines = count === undefined ? 1 : Number(count);
      // A pure deletion leaves nothing to mutate but its neighbours, whose meaning it changed.
      const [from, to] = lines === 0 ? [Math.max(1, first), first + 1] : [first, first + lines - 1];
      ranges.push(`${file}:${from}-${to}`);
    }
  }
  return ranges;
}

function usage(message) {
  process.stderr.write(`mutation: ${message}\n`);
  process.exit(64);
}
