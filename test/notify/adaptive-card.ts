import { createRequire } from 'node:module';

/**
 * Validates a card with Microsoft's own Adaptive Cards library (npm `adaptivecards`, the renderer
 * the designer uses): parse under a given schema version, then validateProperties(). No npm
 * package ships the adaptive-card.json schema file and the network is closed, so the official
 * object model is the validator. Its ESM build does not load in Node; the UMD bundle does.
 */
interface ValidationEvent {
  message: string;
}
interface AcModule {
  AdaptiveCard: new () => { parse(json: unknown, ctx: unknown): void; validateProperties(): { validationEvents: ValidationEvent[] } };
  SerializationContext: new (version: unknown) => { eventCount: number; getEventAt(i: number): ValidationEvent };
  Versions: Record<string, unknown>;
}

const require = createRequire(import.meta.url);
const ac = require('adaptivecards/dist/adaptivecards.js') as AcModule;

/** Problems found in a card read as the given version ("1.4" → Versions.v1_4); empty when valid. */
export function adaptiveCardProblems(card: unknown, version: string): string[] {
  const v = ac.Versions[`v${version.replace('.', '_')}`];
  if (v === undefined) throw new Error(`adaptivecards knows no version ${version}`);
  const parsed = new ac.AdaptiveCard();
  const ctx = new ac.SerializationContext(v);
  parsed.parse(card, ctx);
  const problems: string[] = [];
  for (let i = 0; i < ctx.eventCount; i += 1) problems.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of parsed.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);
  return problems;
}
