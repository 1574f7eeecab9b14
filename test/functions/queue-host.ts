import functions from '@azure/functions';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';

const { InvocationContext } = functions;

type Handler = (message: unknown, context: InstanceType<typeof InvocationContext>) => Promise<void>;

export interface HostLog {
  level: string;
  text: string;
  function: string;
}

export interface DrainResult {
  /** Invocations per queue (successful or not). */
  invocations: Record<string, number>;
  /** Messages moved to a `-poison` queue, by source queue. */
  poisoned: Record<string, number>;
  /** Most handlers running at once. */
  maxConcurrent: number;
}

/**
 * What the Functions host does with queue triggers, on Azurite: `workers` loops dequeue one message
 * at a time (batchSize 1), decode it (messageEncoding base64, JSON), call the handler with the
 * dequeue count in the trigger metadata; delete it on success; on failure make it visible again,
 * and after `maxDequeueCount` deliveries move it to `<queue>-poison`. Returns when every queue is
 * empty and no handler runs.
 */
export async function drainQueues(connectionString: string, handlers: Record<string, Handler>, logs: HostLog[], options: { workers: number; maxDequeueCount: number }): Promise<DrainResult> {
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const clients = new Map<string, QueueClient>();
  for (const name of Object.keys(handlers)) {
    const client = service.getQueueClient(name);
    await client.createIfNotExists();
    clients.set(name, client);
  }
  const result: DrainResult = { invocations: {}, poisoned: {}, maxConcurrent: 0 };
  let running = 0;
  let idleWorkers = 0;
  let seq = 0;

  async function pending(): Promise<number> {
    let n = 0;
    for (const c of clients.values()) n += (await c.getProperties()).approximateMessagesCount ?? 0;
    return n;
  }

  async function once(): Promise<boolean> {
    for (const [name, client] of clients) {
      const [msg] = (await client.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 })).receivedMessageItems;
      if (!msg) continue;
      const body = JSON.parse(Buffer.from(msg.messageText, 'base64').toString('utf8')) as unknown;
      const handler = handlers[name];
      if (!handler) throw new Error(`no handler for ${name}`);
      seq += 1;
      const context = new InvocationContext({
        functionName: name,
        invocationId: `${name}-${String(seq)}`,
        triggerMetadata: { dequeueCount: msg.dequeueCount, id: msg.messageId },
        logHandler: (level, ...args) => logs.push({ level, function: name, text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') }),
      });
      result.invocations[name] = (result.invocations[name] ?? 0) + 1;
      running += 1;
      result.maxConcurrent = Math.max(result.maxConcurrent, running);
      try {
        await handler(body, context);
        await client.deleteMessage(msg.messageId, msg.popReceipt);
      } catch (err) {
        logs.push({ level: 'error', function: name, text: `host: invocation failed: ${(err as Error).message}` });
        if (msg.dequeueCount >= options.maxDequeueCount) {
          const poison = service.getQueueClient(`${name}-poison`);
          await poison.createIfNotExists();
          await poison.sendMessage(msg.messageText);
          await client.deleteMessage(msg.messageId, msg.popReceipt);
          result.poisoned[name] = (result.poisoned[name] ?? 0) + 1;
        } else {
          await client.updateMessage(msg.messageId, msg.popReceipt, undefined, 0);
        }
      } finally {
        running -= 1;
      }
      return true;
    }
    return false;
  }

  async function worker(): Promise<void> {
    for (;;) {
      if (await once()) continue;
      idleWorkers += 1;
      const done = running === 0 && idleWorkers === options.workers && (await pending()) === 0;
      if (done) return;
      await new Promise((r) => setTimeout(r, 20));
      idleWorkers -= 1;
    }
  }

  await Promise.all(Array.from({ length: options.workers }, () => worker()));
  return result;
}
