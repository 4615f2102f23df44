import { X509Certificate } from 'node:crypto';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Why a PEM CA bundle cannot be used, or undefined. Node's `ca` option skips what it cannot read
 * without a word, so a wrong file would only show as every handshake failing; Prometheus refuses a
 * CA file holding no certificate ("unable to use specified CA cert"), and so does promgate.
 */
export function caBundleProblem(pem: string): string | undefined {
  const blocks = pem.match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) return 'no PEM certificate found';
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      return `a certificate in it does not parse: ${(err as Error).message}`;
    }
  }
  return undefined;
}
