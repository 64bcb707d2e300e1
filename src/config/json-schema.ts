/** JSON Schema of the config file for editors (`"$schema": "./agentwire.schema.json"`). */
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  // `input`: editors validate what people write, where defaulted fields are optional.
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
