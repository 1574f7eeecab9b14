import { describe, expect, it } from 'vitest';
import { redact, REDACTED, registerSecret } from '../../shared/util/redact.js';

describe('secret registry', () => {
  it("a storage connection string: its key and SAS are secret, its endpoints' account path is not", () => {
    const key = 'c2VjcmV0LWFjY291bnQta2V5LTAxMjM0NTY3ODlhYmNkZWY=';
    const sig = 'sigSENTINEL0123456789abcdef%3D';
    registerSecret(`DefaultEndpointsProtocol=http;AccountName=devstoreacct9;AccountKey=${key};TableEndpoint=http://127.0.0.1:10002/devstoreacct9;BlobEndpoint=http://127.0.0.1:10000/devstoreacct9?sv=2024-01-01&sig=${sig}`);
    // The message links to a report in that account: the link must survive scrubbing (it was cut to 127.0.0.1:10000<redacted>/…).
    const link = 'http://127.0.0.1:10000/devstoreacct9/reports/latest.html';
    expect(redact(`report: ${link}`)).toBe(`report: ${link}`);
    expect(redact(`key ${key}`)).toBe(`key ${REDACTED}`);
    expect(redact(`GET /x?sv=2024-01-01&sig=${sig}`)).not.toContain(sig);
  });

  it("a webhook URL: its path carries the token and is secret", () => {
    registerSecret('https://hooks.slack.com/services/T0SENTINEL/B0SENTINEL/tokenSENTINEL0123456789');
    expect(redact('POST /services/T0SENTINEL/B0SENTINEL/tokenSENTINEL0123456789 failed')).not.toContain('tokenSENTINEL0123456789');
    expect(redact('echoed tokenSENTINEL0123456789')).toBe(`echoed ${REDACTED}`);
  });
});
