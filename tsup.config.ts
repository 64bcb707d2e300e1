import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    cli: 'src/cli/main.ts',
    index: 'src/index.ts',
    vitest: 'src/integrations/vitest.ts',
    playwright: 'src/integrations/playwright.ts',
    jest: 'src/integrations/jest.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  // dist/types holds the declarations `npm run build:types` emits (tsc is much faster than a dts bundle).
  clean: ['!types/**'],
  sourcemap: true,
  splitting: true,
});
