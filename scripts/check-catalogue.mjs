// Writes src/checks/catalogue.ts from the check registry (run after a build: npm run catalogue).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AEP_CHECKS, AG_UI_CHECKS, renderCatalogueSource } from '../dist/index.js';

const file = join(import.meta.dirname, '../src/checks/catalogue.ts');
writeFileSync(file, renderCatalogueSource({ aep: AEP_CHECKS, 'ag-ui': AG_UI_CHECKS }));
// The same formatting as every other source file, so the test compares like with like.
execFileSync('npx', ['biome', 'format', '--write', file], { stdio: 'ignore' });
console.log(`wrote ${file}`);
