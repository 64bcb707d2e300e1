/**
 * Reading JUnit XML as the common runners write it. The format has no standard, so this reads
 * what they share and tolerates where they differ:
 *
 * - pytest: one `<testsuite name="pytest">`, `classname` is the module, skip reasons in
 *   `<skipped message=…>` (the text repeats them after `path:line:`).
 * - Jest (jest-junit): a `<testsuite>` per file named after its first describe; `file` only
 *   with `addFileAttribute`; `<skipped/>` has no reason.
 * - Vitest: a `<testsuite>` per file named by its path; `name` is `describe > test`.
 * - node:test (`--test-reporter=junit`): top-level tests are `<testcase>`s directly under
 *   `<testsuites>`, describes nest `<testsuite>`s; reasons in `<skipped message=…>`.
 * - Mocha (xunit reporter): a lone `<testsuite>` root; a failure may count as `errors`.
 * - Surefire / JUnit 5: a `<testsuite>` per class, `<skipped message=…>` from `@Disabled` or
 *   Testcontainers' `disabledWithoutDocker`; `<flakyFailure>` inside a test that finally passed.
 *
 * Counts come from the `<testcase>` elements, never from the suites' attributes, which the
 * runners fill in differently (Mocha counts an assertion failure as an error, node:test
 * nests). A case with `<failure>` or `<error>` failed, with `<skipped>` was skipped, else passed.
 */
import { isAbsolute, relative } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestCase {
  /** Stable across runs of the same suite: source file (when named), suites, class, name. */
  id: string;
  name: string;
  classname: string;
  /** Enclosing `<testsuite>` names, outermost first. */
  suites: string[];
  /** The source file when the runner names it, else the report file. */
  file: string;
  /** The XML file it was read from. */
  report: string;
  status: TestStatus;
  /** Why it was skipped, or the first line of the failure. */
  reason?: string;
  seconds: number;
}

export class JUnitReadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JUnitReadError';
  }
}

export const NO_REASON = '(no reason given)';

type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // One shape whatever the count: a lone <testcase> is still a list.
  isArray: (name) => ['testsuite', 'testcase', 'skipped', 'failure', 'error'].includes(name),
  alwaysCreateTextNode: true,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
});

/** Every test case of one JUnit XML document. `reportPath` names it in ids and errors. */
export function parseJUnit(xml: string, reportPath: string): TestCase[] {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new JUnitReadError(
      `${reportPath} is not well-formed XML (line ${valid.err.line}: ${valid.err.msg}); was the runner interrupted while writing it?`,
    );
  }
  const document = parser.parse(xml) as XmlNode;
  const root = (document.testsuites as XmlNode | undefined) ?? (document.testsuite ? document : undefined);
  if (!root) {
    const rootName = Object.keys(document).find((key) => !key.startsWith('?')) ?? 'nothing';
    throw new JUnitReadError(
      `${reportPath} is not JUnit XML: its root is <${rootName}>, expected <testsuites> or <testsuite>; point agentwire gate at the runner's JUnit output`,
    );
  }
  const cases: TestCase[] = [];
  walk(root, [], undefined, reportPath, cases);
  return cases;
}

function walk(
  node: XmlNode,
  suites: string[],
  suiteFile: string | undefined,
  report: string,
  out: TestCase[],
) {
  for (const testcase of list(node.testcase)) out.push(readCase(testcase, suites, suiteFile, report));
  for (const suite of list(node.testsuite)) {
    const name = attribute(suite, 'name');
    walk(suite, name ? [...suites, name] : suites, attribute(suite, 'file') ?? suiteFile, report, out);
  }
}

function readCase(node: XmlNode, suites: string[], suiteFile: string | undefined, report: string): TestCase {
  const name = attribute(node, 'name') ?? '(unnamed)';
  const classname = attribute(node, 'classname') ?? '';
  const named = attribute(node, 'file') ?? suiteFile ?? pathLike(classname) ?? pathLike(suites[0]);
  const sourceFile = named && portable(named);
  const failure = [...list(node.failure), ...list(node.error)][0];
  const skipped = list(node.skipped)[0];
  let status: TestStatus = 'passed';
  let reason: string | undefined;
  if (failure) {
    status = 'failed';
    reason = firstLine(attribute(failure, 'message') ?? text(failure)) ?? '(no message)';
  } else if (skipped !== undefined) {
    status = 'skipped';
    reason = skipReason(skipped);
  }
  const idParts = [sourceFile, ...suites, classname, name].filter(
    (part, index, all): part is string => !!part && all.indexOf(part) === index,
  );
  return {
    id: idParts.join(' › '),
    name,
    classname,
    suites,
    file: sourceFile ?? report,
    report,
    status,
    ...(reason ? { reason } : {}),
    seconds: Number(attribute(node, 'time') ?? 0) || 0,
  };
}

function skipReason(skipped: XmlNode): string {
  const message = attribute(skipped, 'message')?.trim();
  if (message) return message;
  // pytest's text is "path:line: reason"; others put the reason alone.
  const body = firstLine(text(skipped)?.replace(/^\S+:\d+: /, ''));
  return body || NO_REASON;
}

/** Absolute paths (Mocha, jest-junit) under the working directory become relative, so ids match across checkouts. */
function portable(path: string): string {
  if (!isAbsolute(path)) return path;
  const inside = relative(process.cwd(), path);
  return inside.startsWith('..') ? path : inside;
}

function pathLike(value: string | undefined): string | undefined {
  return value && /\.(m|c)?(t|j)sx?$|\.py$|\.java$|\.kt$/.test(value) ? value : undefined;
}

function list(value: unknown): XmlNode[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(
    (item) => (typeof item === 'object' && item ? item : {}) as XmlNode,
  );
}

function attribute(node: XmlNode, name: string): string | undefined {
  const value = node[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

function text(node: XmlNode): string | undefined {
  const value = node['#text'];
  return typeof value === 'string' ? value : undefined;
}

function firstLine(value: string | undefined): string | undefined {
  return value
    ?.split('\n')
    .map((line) => line.trim())
    .find((line) => line.length > 0);
}
