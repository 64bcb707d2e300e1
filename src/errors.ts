/**
 * The catalogue of agentwire's error codes: every `AW_*` code is built here and nowhere else, with
 * the exit code it ends the CLI with and what it means. Other modules name a code as
 * `ErrorCode.AW_…`, so a typo does not compile and docs/api.md can list them all.
 */

/** Exit codes, the contract with CI (README: exit codes). */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  notChecked: 2,
  usage: 64,
  /** Interrupted (SIGINT/SIGTERM or an aborted signal): a partial report is still written. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

const usage = ExitCode.usage;
const notChecked = ExitCode.notChecked;

export const ERROR_CATALOGUE = {
  // Options and arguments (usage errors)
  AW_BAD_PACE: { exit: usage, meaning: 'unknown --pace (execution profile) name' },
  AW_BAD_PROFILE: { exit: usage, meaning: 'unknown --profile (protocol) name' },
  AW_BAD_TARGET: { exit: usage, meaning: 'a target URL with the wrong scheme for its protocol' },
  AW_BAD_URL: { exit: usage, meaning: 'a URL option with the wrong scheme' },
  AW_BAD_PORT: { exit: usage, meaning: 'a port option that cannot be used' },
  AW_BAD_HOST: { exit: usage, meaning: 'an address this machine cannot listen on' },
  AW_BAD_LOG_LEVEL: { exit: usage, meaning: 'unknown --log-level' },
  AW_BAD_SCHEMA: { exit: usage, meaning: 'a Postgres schema name that is not allowed' },
  AW_BAD_FAULT: { exit: usage, meaning: 'unknown --fault name' },
  AW_BAD_THRESHOLD: { exit: usage, meaning: 'a load --threshold that does not parse' },
  AW_BAD_SHARD: { exit: usage, meaning: 'a load --shard that does not parse' },
  AW_BAD_ARRIVAL: {
    exit: usage,
    meaning: 'load open-model options (--arrival-rate, --duration-ms) that do not fit',
  },
  AW_BAD_LOCAL_ADDRESS: { exit: usage, meaning: 'a load --local-address this machine does not have' },
  AW_OUT_UNWRITABLE: { exit: usage, meaning: 'the load --out file cannot be written' },
  AW_BAD_K8S: { exit: usage, meaning: 'load k8s options that cannot make a valid manifest' },
  AW_BAD_OPTION: { exit: usage, meaning: 'options that contradict each other' },
  AW_NO_CHECKS: { exit: usage, meaning: '--checks or --require matches no check' },
  AW_MISSING_SECRET: { exit: usage, meaning: 'no JWT secret for a target that needs one' },
  AW_NEEDS_RUN_TAG: { exit: usage, meaning: 'a sharded load run without --run-tag' },
  AW_NEEDS_PRODUCTION: { exit: usage, meaning: 'store URLs given without --production' },
  AW_PRODUCTION_NEEDS_STORES: { exit: usage, meaning: '--production without database and Redis URLs' },
  AW_TARGET_AND_TIERS: { exit: usage, meaning: '--target together with tier options' },
  AW_FAULT_WITH_TARGET: { exit: usage, meaning: '--fault together with --target' },
  AW_FAULT_NOT_REFERENCE: { exit: usage, meaning: '--fault while the backend is not the reference backend' },
  AW_FAULT_IN_PRODUCTION: { exit: usage, meaning: '--fault together with --production' },
  AW_FAULT_WITH_INSTANCES: { exit: usage, meaning: '--fault together with --instances' },
  AW_REPORT_DIR: { exit: usage, meaning: 'the report directory cannot be written' },
  AW_NO_SESSION: { exit: usage, meaning: 'a load run with no session to open' },
  AW_MERGE_UNREADABLE: { exit: usage, meaning: 'a load report to merge cannot be read' },
  AW_MERGE_INVALID: { exit: usage, meaning: 'load reports that cannot be merged' },
  AW_PORT_IN_USE: { exit: usage, meaning: 'a port is already taken' },
  AW_ENV_ALREADY_UP: { exit: usage, meaning: 'an environment is already up' },
  AW_TWO_KEY_SOURCES: { exit: usage, meaning: '--jwt-public-key and --jwks-url together' },
  AW_NEEDS_PUBLIC_KEY: { exit: usage, meaning: 'JWT claim options without a public key or JWKS' },
  AW_BAD_PUBLIC_KEY: { exit: usage, meaning: 'a --jwt-public-key that is not a PEM public key' },
  AW_BAD_JWKS_URL: { exit: usage, meaning: 'a --jwks-url that is not http(s)' },
  AW_BAD_JWT_ALG: { exit: usage, meaning: 'an unknown --jwt-alg' },
  AW_TLS_PAIR: { exit: usage, meaning: '--tls-cert without --tls-key or the other way round' },
  AW_UNREADABLE_FILE: { exit: usage, meaning: 'a key or certificate file cannot be read' },
  AW_BAD_PRIVATE_KEY: {
    exit: usage,
    meaning: 'a --jwt-private-key that is not a PEM private key or does not fit --jwt-alg',
  },
  AW_BAD_HEADER: { exit: usage, meaning: 'a --header that is not "Name: value"' },
  AW_BAD_CA: { exit: usage, meaning: 'a --ca file without a PEM certificate' },
  // Gate
  AW_GATE_NO_REPORTS: { exit: notChecked, meaning: 'gate found no JUnit XML to read' },
  AW_GATE_UNREADABLE: { exit: notChecked, meaning: 'gate cannot read a report or baseline' },
  AW_GATE_BAD_BASELINE: {
    exit: notChecked,
    meaning: 'a gate baseline that is not a gate report or JUnit XML',
  },
  AW_GATE_BAD_REPORT: { exit: notChecked, meaning: 'a JUnit XML gate cannot parse' },
  // Configuration
  AW_CONFIG_NOT_FOUND: { exit: usage, meaning: 'the --config file does not exist' },
  AW_CONFIG_UNREADABLE: { exit: usage, meaning: 'the config file cannot be read' },
  AW_CONFIG_UNSUPPORTED_FORMAT: { exit: usage, meaning: 'the config file has an unknown extension' },
  AW_CONFIG_SYNTAX: { exit: usage, meaning: 'the config file does not parse' },
  AW_CONFIG_INVALID: { exit: usage, meaning: 'the config file breaks its schema' },
  // Environment resolution
  AW_ENV_NOT_RESOLVED: { exit: notChecked, meaning: 'no tier could provide a service' },
  AW_ENV_REQUIRED_TIER_UNUSED: { exit: notChecked, meaning: '--require-tier was not the tier used' },
  AW_ENV_UNKNOWN_TIER: { exit: usage, meaning: 'unknown tier name' },
  AW_ENV_NO_BACKEND: { exit: notChecked, meaning: 'the config declares no backend service' },
  AW_ENV_NO_SECRET: { exit: notChecked, meaning: 'the resolved backend gives no JWT secret' },
  AW_COMPOSE_FILE_MISSING: { exit: notChecked, meaning: 'the compose file does not exist' },
  AW_COMPOSE_MISSING: { exit: notChecked, meaning: 'no docker compose command' },
  AW_COMPOSE_FAILED: { exit: notChecked, meaning: 'docker compose failed' },
  AW_DOCKER_NO_CLIENT: { exit: notChecked, meaning: 'no docker client' },
  AW_DOCKER_NO_ENGINE: { exit: notChecked, meaning: 'no running Docker engine' },
  AW_DOCKER_PERMISSION_DENIED: { exit: notChecked, meaning: 'no permission to use the Docker engine' },
  AW_PROCESS_EXITED: { exit: notChecked, meaning: 'a started service process exited' },
  AW_BINARY_MISSING: { exit: notChecked, meaning: 'a binary a tier needs is not installed' },
  AW_STATE_MISSING: { exit: notChecked, meaning: 'no environment is up' },
  // Running
  AW_TARGET_UNAVAILABLE: { exit: notChecked, meaning: 'the target cannot be checked (preflight failed)' },
  AW_NOT_AEP: { exit: notChecked, meaning: 'the target upgrades but does not speak AEP/1' },
  AW_STORE_UNAVAILABLE: { exit: notChecked, meaning: 'Postgres or Redis cannot be reached' },
  AW_SERVER_START: { exit: notChecked, meaning: 'the backend could not start' },
  AW_REPORT_WRITE: { exit: notChecked, meaning: 'the reports could not be written' },
  AW_TOKEN_SOURCE: { exit: notChecked, meaning: 'the --token-command failed or printed no token' },
  // compare
  AW_COMPARE_KINDS: { exit: usage, meaning: 'agentwire compare given a run report and a load report' },
  AW_COMPARE_UNREADABLE: { exit: notChecked, meaning: 'a report to compare cannot be read' },
  AW_COMPARE_BAD_REPORT: { exit: notChecked, meaning: 'a file to compare is not a run or load report' },
  // monitor
  AW_MONITOR_BAD_OPTION: {
    exit: usage,
    meaning: 'a monitor option that does not parse (--every, --runs, --duration-regression, --webhook)',
  },
  AW_MONITOR_HISTORY_MISSING: { exit: usage, meaning: 'the monitor --history file does not exist' },
  AW_MONITOR_HISTORY_UNUSABLE: {
    exit: usage,
    meaning: 'the monitor --history file is corrupt, not a monitor history, or of another schema version',
  },
  AW_MONITOR_HISTORY_WRITE: { exit: notChecked, meaning: 'a monitor run could not be stored in the history' },
  AW_MONITOR_NO_TARGET: { exit: notChecked, meaning: 'the monitor found no target to check' },
  AW_MONITOR_REPORT_WRITE: { exit: usage, meaning: 'the monitor report --out file cannot be written' },
} as const satisfies Record<`AW_${string}`, { exit: ExitCodeValue; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** `ErrorCode.AW_X === 'AW_X'`: name a code without writing its string. */
export const ErrorCode = Object.fromEntries(Object.keys(ERROR_CATALOGUE).map((code) => [code, code])) as {
  readonly [K in ErrorCode]: K;
};

/** An error with a stable code; the CLI prints its message on one line and exits with `exitCode`. */
export class AgentwireError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    exitCode?: number,
  ) {
    super(message);
    this.name = 'AgentwireError';
    this.exitCode = exitCode ?? ERROR_CATALOGUE[code].exit;
  }
}

export const usageError = (code: ErrorCode, message: string) =>
  new AgentwireError(code, message, ExitCode.usage);
export const notCheckedError = (code: ErrorCode, message: string) =>
  new AgentwireError(code, message, ExitCode.notChecked);
