import type { NotificationConfig } from '../config/schema.js';
import type { ChannelMessage } from './message.js';
import { renderSlack } from './slack.js';
import { renderTeams } from './teams.js';
import { renderWebhook } from './webhook.js';

export * from './deliver.js';
export * from './message.js';
export * from './slack.js';
export * from './teams.js';
export * from './webhook.js';

/** The request body for a channel: rendered once, stored in the outbox, sent as is on every attempt. */
export function renderBody(kind: NotificationConfig['kind'], message: ChannelMessage): string {
  switch (kind) {
    case 'slack':
      return JSON.stringify(renderSlack(message));
    case 'teams':
      return JSON.stringify(renderTeams(message));
    case 'webhook':
      return JSON.stringify(renderWebhook(message));
  }
}
