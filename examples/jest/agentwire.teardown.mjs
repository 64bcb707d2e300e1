export { agentwireGlobalTeardown as default } from 'agentwire/jest';
