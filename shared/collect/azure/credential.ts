import type { CollectContext } from '../types.js';
import { CredentialError, messageOf } from '../kit/errors.js';
import { createAzureClients } from './clients.js';

/**
 * Gets one ARM token before the audit starts. DefaultAzureCredential tries environment
 * variables, workload identity, managed identity and the developer logins in turn; when none
 * works, the run stops with one message saying what was tried and what to do (not one
 * "credential unavailable" per call in a report of unread subscriptions).
 */
/** The first sentence of an SDK message, without its troubleshooting link. */
function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? 'no detail';
  const text2 = line.replace(/^\w*Error: /, '').trim();
  const sentence = /^.*?\.(?=\s|$)/.exec(text2)?.[0] ?? text2;
  return sentence.slice(0, 200);
}

export async function checkAzureCredentials(ctx: CollectContext): Promise<void> {
  const cfg = ctx.config.clouds.azure;
  if (!cfg || cfg.credential === 'simulator') return;
  const clients = createAzureClients(cfg);
  const scope = `${new URL(clients.endpoint).origin}/.default`;
  try {
    const token = await clients.credential.getToken(scope, ctx.signal ? { abortSignal: ctx.signal } : {});
    if (token === null) throw new Error('the credential returned no token');
  } catch (err) {
    // DefaultAzureCredential's AggregateAuthenticationError holds one error per credential it tried.
    const inner = (err as { errors?: unknown }).errors;
    const tried = (Array.isArray(inner) ? inner : [err]).map((e) => `- ${firstLine(messageOf(e))}`);
    throw new CredentialError(
      [
        `Azure: no credential could get a token for ${scope.replace('/.default', '')}. Tried, in order:`,
        ...tried,
        'Do one of: run `az login` (on a workstation); set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (a service principal); or run where a managed identity is assigned (for a user-assigned identity, set AZURE_CLIENT_ID to its client id).',
      ].join('\n  '),
    );
  }
}
