/** TLS material for tests that serve wss:// and https:// themselves. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface SelfSignedCertificate {
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl, written into DIR. */
export function selfSignedCertificate(dir: string, keyFile = 'key.pem'): SelfSignedCertificate {
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, keyFile);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, keyPath };
}
