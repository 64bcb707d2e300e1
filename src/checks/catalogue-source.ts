/**
 * Renders catalogue.ts: every check's id, rules, title and requirements as data, so listing and
 * selecting checks loads no check code (`npm run catalogue` writes it; a test keeps it current).
 */
import type { CheckInfo } from './check-info.js';

export function renderCatalogueSource(
  byProtocol: Readonly<Record<'aep' | 'ag-ui', readonly CheckInfo[]>>,
): string {
  const infoOf = (check: CheckInfo): CheckInfo => ({
    id: check.id,
    rules: check.rules,
    title: check.title,
    requires: check.requires,
    ...(check.needsOwnInstances ? { needsOwnInstances: true } : {}),
  });
  const data = Object.fromEntries(
    Object.entries(byProtocol).map(([name, checks]) => [name, checks.map(infoOf)]),
  );
  return `// Generated from the check registry by \`npm run catalogue\`; catalogue.test.ts fails when it is stale.
import type { CheckInfo } from './check-info.js';

export const CHECK_CATALOGUE: Readonly<Record<'aep' | 'ag-ui', readonly CheckInfo[]>> = ${JSON.stringify(data, null, 2)};
`;
}
