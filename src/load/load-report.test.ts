import { describe, expect, it } from 'vitest';
import { resourceWarnings } from './load-report.js';

describe('resourceWarnings', () => {
  it('names ulimit -n when sessions failed with EMFILE, and --local-address when ports ran out', () => {
    const warnings = resourceWarnings(
      new Map([
        ['sessions_failed: EMFILE', 12],
        ['sessions_failed: EADDRNOTAVAIL', 3],
        ['sessions_failed: ECONNREFUSED', 1],
      ]),
    );
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^12 sessions failed with EMFILE: .*ulimit -n 65536/);
    expect(warnings[1]).toMatch(/^3 sessions failed with EADDRNOTAVAIL: .*--local-address 127\.0\.0\.2/);
  });

  it('says nothing when the failures are the server’s', () => {
    expect(resourceWarnings(new Map([['sessions_failed: ECONNREFUSED', 5]]))).toEqual([]);
  });
});
