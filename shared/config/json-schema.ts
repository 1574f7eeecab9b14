import { z } from 'zod';
import { configSchema } from './schema.js';

/** The JSON Schema of airlock.yaml (input side: defaults are optional), for editors. */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }),
    title: 'Airlock configuration (airlock.yaml)',
  };
}
