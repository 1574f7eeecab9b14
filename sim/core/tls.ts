import { generate } from 'selfsigned';

export interface TlsMaterial {
  /** PEM private key of the server certificate. */
  key: string;
  /** PEM certificate for 127.0.0.1; self-signed, so it is also the CA clients trust. */
  cert: string;
}

/**
 * A fresh self-signed certificate for 127.0.0.1 and localhost. The ARM SDK refuses bearer tokens
 * over plain HTTP, so Azure is served over HTTPS and clients trust this certificate as their CA
 * (`new https.Agent({ ca: cert })`). EC P-256 keeps start-up fast.
 */
export async function generateLocalCertificate(): Promise<TlsMaterial> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 7 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }, { name: 'organizationName', value: 'Airlock simulator' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
