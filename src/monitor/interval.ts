/**
 * The values of the monitor's flags that are not plain numbers: `--every 30s | 5m | 1h` and
 * `--duration-regression 2x`. Each parser throws a MonitorOptionError whose message names the
 * flag, what it got and a form that works; the CLI turns it into a usage error (exit 64).
 */

export class MonitorOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonitorOptionError';
  }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The shortest interval: a tick per second is already a load on the target, not a monitor. */
export const MIN_INTERVAL_MS = 1000;
/** The longest: setTimeout cannot wait longer than about 24.8 days. */
export const MAX_INTERVAL_MS = 24 * 3_600_000;

/** `30s`, `5m`, `1h`, `1500ms`, `1.5m` → milliseconds, from 1 s to 24 h. */
export function parseInterval(value: string, flag = '--every'): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value.trim());
  if (!match)
    throw new MonitorOptionError(
      `${flag} takes a number with a unit (ms, s, m or h), e.g. 30s, 5m or 1h; got "${value}"`,
    );
  const ms = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  if (ms < MIN_INTERVAL_MS || ms > MAX_INTERVAL_MS)
    throw new MonitorOptionError(`${flag} must be from 1s to 24h, got "${value}"`);
  return ms;
}

/** 90000 → "1m30s": how an interval is shown back. */
export function formatInterval(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', UNIT_MS.h],
    ['m', UNIT_MS.m],
    ['s', UNIT_MS.s],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/** `2x`, `1.5x` or `2` → the factor; it must be above 1 (a duration equal to the median is no regression). */
export function parseFactor(value: string, flag = '--duration-regression'): number {
  const match = /^(\d+(?:\.\d+)?)x?$/i.exec(value.trim());
  const factor = match ? Number(match[1]) : Number.NaN;
  if (!match || !(factor > 1) || factor > 1000)
    throw new MonitorOptionError(
      `${flag} takes a factor above 1 such as 2x or 1.5x (a check slower than that many times its median alerts); got "${value}"`,
    );
  return factor;
}
