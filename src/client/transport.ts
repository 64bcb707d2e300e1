/**
 * How the client reaches a real deployment besides the token: extra handshake headers (what a
 * gateway in front of the backend wants) and the TLS trust for wss:// and https:// targets — a CA
 * to trust (a private CA, a self-signed certificate) or, loudly, no verification at all.
 */

export interface ClientTls {
  /** PEM certificate(s) to trust besides the system's (`--ca FILE`, read once). */
  ca?: string;
  /** Accept any certificate (`--insecure`): reported wherever the run's settings are. */
  insecure?: boolean;
}

export interface ClientTransport {
  /** Sent on every WebSocket upgrade and HTTP request to the target (`--header 'K: V'`). */
  headers?: Record<string, string>;
  tls?: ClientTls;
}

/** The options `ws`, `node:https` and undici's `connect` take for the TLS trust. */
export function tlsConnectOptions(tls: ClientTls | undefined): { ca?: string; rejectUnauthorized?: boolean } {
  if (!tls) return {};
  return {
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.insecure ? { rejectUnauthorized: false } : {}),
  };
}

/** Header values that may carry a credential: redacted from anything written. */
export function headerSecrets(transport: ClientTransport | undefined): string[] {
  return Object.values(transport?.headers ?? {}).filter((value) => value.length >= 4);
}

/** Why a TLS handshake failed, with the fix, or undefined when the error is not about TLS. */
export function explainTlsError(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return undefined;
  const untrusted = [
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_UNTRUSTED',
  ];
  if (untrusted.includes(code))
    return `TLS: the server's certificate is not trusted (${code}): pass --ca FILE with the certificate (or CA) that signed it, or --insecure to skip verification`;
  if (code === 'CERT_HAS_EXPIRED') return `TLS: the server's certificate has expired (${code}): renew it`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `TLS: the server's certificate does not name this host (${code}): use the host name the certificate was issued for`;
  if (code.startsWith('ERR_SSL') || code.startsWith('EPROTO'))
    return `TLS handshake failed (${code}): is the target really serving TLS on that port (wss:// vs ws://)?`;
  return undefined;
}
