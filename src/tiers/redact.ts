/** Keeps secrets out of decision logs and reports: passwords in URLs, tokens in query strings. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/token|secret|password|key/i.test(key)) url.searchParams.set(key, '***');
  }
  return url.toString();
}

/** Replaces every occurrence of the given secrets in free text (error messages, log lines). */
export function redactText(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}
