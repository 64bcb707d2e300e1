import { type DestinationStream, type Logger, pino } from 'pino';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

/**
 * Structured logs, on stderr unless another stream is given (`serve` passes a pretty-printer on
 * a terminal). Tokens are never passed to the logger; the redact list is a second guard.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'agentwire-server' },
      redact: {
        paths: ['token', 'authorization', 'headers.authorization', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination ?? pino.destination(2),
  );
}
