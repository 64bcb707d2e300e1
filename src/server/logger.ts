import { type Logger, pino } from 'pino';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug';

/** Structured logs on stderr. Tokens are never passed to the logger; the redact list is a second guard. */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: { name: 'agentwire-server' },
      redact: {
        paths: ['token', 'authorization', 'headers.authorization', 'req.headers.authorization'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
