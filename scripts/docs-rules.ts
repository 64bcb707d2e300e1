/** Writes docs/rules.md from the check registry; `npm run docs:rules` runs it from the package root. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AEP_CHECKS } from '../src/checks/index.js';
import { renderRulesTable } from '../src/report/rules-table.js';

const target = resolve(process.cwd(), 'docs/rules.md');
writeFileSync(target, renderRulesTable(AEP_CHECKS));
process.stdout.write(`wrote ${target}\n`);
