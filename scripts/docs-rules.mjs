// Writes docs/rules.md from the check registry (run after a build: npm run docs:rules).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AEP_CHECKS, renderRulesTable } from '../dist/index.js';

const file = join(import.meta.dirname, '../docs/rules.md');
writeFileSync(file, renderRulesTable(AEP_CHECKS));
console.log(`wrote ${file}`);
