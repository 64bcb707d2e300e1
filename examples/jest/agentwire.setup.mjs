import { agentwireGlobalSetup } from 'agentwire/jest';

// Without an agentwire.config.* the tiers start the reference backend in-process.
// AGENTWIRE_EXAMPLE_FAULTS injects deliberate bugs into it: agentwire's own tests use it to
// prove that a broken backend fails this suite.
const faults = process.env.AGENTWIRE_EXAMPLE_FAULTS?.split(',').filter(Boolean) ?? [];

export default agentwireGlobalSetup({ referenceServer: { faults } });
