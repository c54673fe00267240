import { z } from 'zod';
import { Name } from '../v1/common';
import { ExpiresIn } from './actions';
import { csv } from './params';

/**
 * Manual scaling (issue 15; decision 35): Compose services derived from Docker containers'
 * labels, and the requests that queue `compose.scale`, `workload.scale` and `workload.restart`.
 */

/** Most replicas a scale request may add at once (each new Compose replica is a container created on the host). */
export const MAX_SCALE_UP_STEP = 50;

/** The replicas a scale request asks for (0 … 1000, the wire's bound). */
const Replicas = z.number().int().min(0).max(1000);

/** GET /compose/services query. */
export const ComposeServiceListQuery = z.object({ cluster: csv, node: csv });

/**
 * A Compose service on one Docker host: the containers sharing its com.docker.compose.project and
 * .service labels there (one-off `run` containers left out). The same project and service on two
 * hosts are two services.
 */
export const ComposeService = z.object({
  clusterName: z.string(),
  nodeName: z.string(),
  project: z.string(),
  service: z.string(),
  /** Containers the engine reports running. */
  running: z.number().int(),
  /** Containers of the service in every state (a stopped one kept by scaling to 0 counts). */
  total: z.number().int(),
  /** Their entity ids (as in /containers/:id), oldest container number first. */
  containerIds: z.array(z.string()),
  /** The newest container's image. */
  image: z.string(),
});

export const ComposeServiceListReply = z.object({ items: z.array(ComposeService) });

/** POST /compose/services/scale body: which service (cluster, node, project, service) and how many replicas. */
export const ComposeScaleRequest = z
  .object({
    cluster: Name,
    node: Name,
    project: Name,
    service: Name,
    replicas: Replicas,
    expiresInSeconds: ExpiresIn,
  })
  .strict();

/** POST /k8s/workloads/:id/scale body (Deployments and StatefulSets: the scale subresource). */
export const WorkloadScaleRequest = z.object({ replicas: Replicas, expiresInSeconds: ExpiresIn }).strict();

/** POST /k8s/workloads/:id/restart body (a rollout restart; `{}` takes the default expiry). */
export const WorkloadRestartRequest = z.object({ expiresInSeconds: ExpiresIn }).strict();

export type ComposeServiceListQuery = z.infer<typeof ComposeServiceListQuery>;
export type ComposeService = z.infer<typeof ComposeService>;
export type ComposeServiceListReply = z.infer<typeof ComposeServiceListReply>;
export type ComposeScaleRequest = z.infer<typeof ComposeScaleRequest>;
export type ComposeScaleRequestInput = z.input<typeof ComposeScaleRequest>;
export type WorkloadScaleRequest = z.infer<typeof WorkloadScaleRequest>;
export type WorkloadScaleRequestInput = z.input<typeof WorkloadScaleRequest>;
export type WorkloadRestartRequest = z.infer<typeof WorkloadRestartRequest>;
