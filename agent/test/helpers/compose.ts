import { IMAGE, docker } from './docker';

/**
 * Runs what `docker compose up` would have made of replica `n` of `service` in `project`: a
 * busybox container named `<project>-<service>-<n>` with Compose v2's labels and the run's
 * `label`, plus `args` (env, limits, networks); stops within 1 s. Returns its id.
 */
export function runComposeReplica(
  project: string,
  service: string,
  n: number,
  label: string,
  ...args: string[]
): string {
  return docker(
    'run',
    '-d',
    '--name',
    `${project}-${service}-${n}`,
    '--label',
    label,
    '--label',
    `com.docker.compose.project=${project}`,
    '--label',
    `com.docker.compose.service=${service}`,
    '--label',
    `com.docker.compose.container-number=${n}`,
    '--label',
    'com.docker.compose.oneoff=False',
    '--stop-timeout',
    '1',
    ...args,
    IMAGE,
    'sh',
    '-c',
    'sleep 3600'
  );
}
