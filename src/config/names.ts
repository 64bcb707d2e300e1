/**
 * The tier and service names, apart from the schema so that option parsing and listing can name
 * them without loading the schema library.
 */
export const TIER_NAMES = ['docker', 'local', 'staging'] as const;
export const SERVICE_NAMES = ['backend', 'postgres', 'redis'] as const;

export type TierName = (typeof TIER_NAMES)[number];
export type ServiceName = (typeof SERVICE_NAMES)[number];
