/**
 * Last line of defence for and our own rule that secrets never reach reports or logs:
 * JWTs (by shape) and every known secret (by value) are replaced before anything is written.
 */
const JWT_SHAPE = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
export const REDACTED = '[redacted]';

export function redactText(text: string, secrets: readonly string[] = []): string {
  let result = text.replace(JWT_SHAPE, REDACTED);
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result;
}

export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  return JSON.parse(
    redactText(
      JSON.stringify(value),
      secrets.map((s) => JSON.stringify(s).slice(1, -1)),
    ),
  ) as T;
}
