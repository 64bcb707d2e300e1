/**
 * `agentwire load k8s --shards N --image IMAGE -- [load options]`: the manifest that runs one
 * load plan from N pods of a Kubernetes Indexed Job. Pod i runs shard JOB_COMPLETION_INDEX+1 of
 * N with one run tag and writes its shard report to a shared volume; a second Job waits for every
 * shard file there and runs `agentwire load merge` on them. Printed, not applied: the cluster,
 * its storage class and its secrets are the reader's.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

export interface K8sLoadOptions {
  shards: number;
  image: string;
  runTag: string;
  /** The Job's name; the merge Job is `<name>-merge`. */
  name: string;
  /** The Secret (key `jwt-secret`) the pods read AGENTWIRE_JWT_SECRET from. */
  secretName: string;
  /** A ReadWriteMany claim shared by every pod; printed unless `existingClaim`. */
  claimName: string;
  existingClaim: boolean;
  /** Options for `agentwire load`, passed through as they are. */
  loadArgs: string[];
  /** Merge thresholds (`--threshold`), passed to `load merge`. */
  mergeArgs: string[];
}

/** Options the manifest sets itself, per pod, and a secret that must not be in a manifest. */
const OWN_OPTIONS = ['--shard', '--run-tag', '--out', '--report-dir', '--json', '--jwt-secret'];

export class K8sOptionsError extends Error {}

export function checkLoadArgs(args: readonly string[]): void {
  for (const arg of args) {
    const flag = arg.split('=')[0]!;
    if (flag === '--jwt-secret')
      throw new K8sOptionsError(
        '--jwt-secret would be written into the manifest: put it in the Secret the pods read instead (kubectl create secret generic agentwire-load --from-literal=jwt-secret=…; --secret-name to use another)',
      );
    if (OWN_OPTIONS.includes(flag))
      throw new K8sOptionsError(`${flag} is set per pod by the manifest: leave it out of the load options`);
  }
  if (!args.some((arg) => arg === '--target' || arg.startsWith('--target=')))
    throw new K8sOptionsError(
      'the pods need --target ws(s)://… of the server under load (without it each pod would start a backend of its own)',
    );
}

export const newRunTag = () => `k8s-${randomBytes(3).toString('hex')}`;

const REPORTS = '/reports';

export function k8sLoadManifest(options: K8sLoadOptions): string {
  const labels = {
    'app.kubernetes.io/name': 'agentwire-load',
    'app.kubernetes.io/instance': options.name,
    'agentwire/run-tag': options.runTag,
  };
  const secretEnv = {
    name: 'AGENTWIRE_JWT_SECRET',
    valueFrom: { secretKeyRef: { name: options.secretName, key: 'jwt-secret' } },
  };
  const volumes = [{ name: 'reports', persistentVolumeClaim: { claimName: options.claimName } }];
  const volumeMounts = [{ name: 'reports', mountPath: REPORTS }];
  // The load options travel as the shell's positional parameters ("$@"), never re-parsed.
  const shardScript =
    'shard=$((JOB_COMPLETION_INDEX + 1)); ' +
    `exec agentwire load "$@" --shard "$shard/${options.shards}" --run-tag "${options.runTag}" ` +
    `--out "${REPORTS}/${options.runTag}/shard-$shard.json"`;
  const mergeScript =
    `dir=${REPORTS}/${options.runTag}; ` +
    `until [ "$(ls "$dir" 2>/dev/null | grep -c '^shard-[0-9]*\\.json$')" -ge ${options.shards} ]; do sleep 5; done; ` +
    `exec agentwire load merge "$dir"/shard-*.json --report-dir "$dir/merged" "$@"`;
  const documents: unknown[] = [];
  if (!options.existingClaim)
    documents.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: options.claimName, labels },
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    });
  documents.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: options.name, labels },
    spec: {
      completionMode: 'Indexed',
      completions: options.shards,
      parallelism: options.shards,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'load',
              image: options.image,
              command: ['sh', '-c', shardScript, 'agentwire-load', ...options.loadArgs],
              env: [secretEnv],
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  });
  documents.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${options.name}-merge`, labels },
    spec: {
      completions: 1,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'merge',
              image: options.image,
              command: ['sh', '-c', mergeScript, 'agentwire-load-merge', ...options.mergeArgs],
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  });
  const header = [
    `# agentwire load on Kubernetes: ${options.shards} shards of one plan, run tag ${options.runTag}.`,
    `#   kubectl create secret generic ${options.secretName} --from-literal=jwt-secret="$SECRET"`,
    '#   kubectl apply -f this.yaml',
    `#   kubectl wait --for=condition=complete --timeout=1h job/${options.name}-merge`,
    `#   kubectl logs job/${options.name}-merge        # the merged table; load.json and load.html in ${REPORTS}/${options.runTag}/merged`,
  ].join('\n');
  return `${header}\n${documents.map((document) => stringify(document, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n')}`;
}
