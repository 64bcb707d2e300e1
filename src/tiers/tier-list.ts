/** The `--tier` list, kept apart from resolution so parsing options loads no tier machinery. */
import { TIER_NAMES } from '../config/names.js';
import { TierErrorCode, tierError } from './errors.js';
import type { TierName } from './types.js';

/** `--tier docker,local`: validated, order kept, duplicates refused. */
export function parseTierList(text: string): TierName[] {
  const names = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(TIER_NAMES as readonly string[]).includes(name));
  if (!names.length || unknown.length) {
    throw tierError(
      TierErrorCode.unknownTier,
      `unknown tier${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ') || '(empty)'}: use a comma-separated list of ${TIER_NAMES.join(', ')}`,
    );
  }
  if (new Set(names).size !== names.length)
    throw tierError(TierErrorCode.unknownTier, `--tier lists a tier twice: "${text}"`);
  return names as TierName[];
}
