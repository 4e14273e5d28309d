/** A throwaway self-signed certificate for the local venue's TLS mode (127.0.0.1 and localhost). */
import { generate } from 'selfsigned';

export interface SimCertificate {
  certPem: string;
  keyPem: string;
}

export async function makeLocalCertificate(): Promise<SimCertificate> {
  const notBefore = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: new Date(notBefore.getTime() + 30 * 86_400_000),
    // Its own trust anchor: clients pass this PEM as the root.
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { certPem: pems.cert, keyPem: pems.private };
}
