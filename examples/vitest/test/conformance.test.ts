import { conformance } from 'agentwire/vitest';

// Every R-5.* check (event ordering and delivery) becomes one Vitest test.
conformance({ checks: 'R-5.*' });
