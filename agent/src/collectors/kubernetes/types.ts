/** The few fields of Kubernetes objects the agent reads (the API returns many more). */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }>;
}

export interface List<T> {
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface ContainerStatus {
  name: string;
  containerID?: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  state?: {
    running?: { startedAt?: string };
    waiting?: { reason?: string; message?: string };
    terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string };
  };
  lastState?: { terminated?: { reason?: string; containerID?: string; exitCode?: number; finishedAt?: string } };
}

/** The securityContext fields the agent reads (container level; the pod level has the user ones). */
export interface SecurityContext {
  privileged?: boolean;
  runAsUser?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[] };
}

export interface PodContainer {
  name: string;
  image?: string;
  resources?: { limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}

export interface Pod {
  metadata: ObjectMeta;
  spec: {
    nodeName?: string;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    securityContext?: Pick<SecurityContext, 'runAsUser' | 'runAsNonRoot'>;
    volumes?: Array<{ name: string; hostPath?: { path: string } }>;
    containers: Array<PodContainer>;
    /** Init containers; those with restartPolicy Always are native sidecars that keep running. */
    initContainers?: Array<PodContainer & { restartPolicy?: string }>;
    ephemeralContainers?: Array<PodContainer>;
  };
  status: {
    phase?: string;
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    ephemeralContainerStatuses?: ContainerStatus[];
  };
}

export interface Node {
  metadata: ObjectMeta;
  status: {
    capacity?: Record<string, string>;
    conditions?: Array<{ type: string; status: string }>;
    nodeInfo?: { osImage?: string; kernelVersion?: string; architecture?: string; bootID?: string };
  };
}

export interface Workload {
  metadata: ObjectMeta;
  spec?: { replicas?: number; parallelism?: number; completions?: number };
  status?: {
    readyReplicas?: number;
    desiredNumberScheduled?: number;
    numberReady?: number;
    active?: number | unknown[];
    ready?: number;
    succeeded?: number;
  };
}

export interface KubeEvent {
  metadata: ObjectMeta;
  involvedObject: { kind?: string; name?: string; namespace?: string; uid?: string };
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  series?: { count?: number };
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { host?: string; component?: string };
}

/** FsStats of the kubelet's summary (bytes). */
export interface FsStats {
  capacityBytes?: number;
  availableBytes?: number;
  usedBytes?: number;
}

/** The kubelet's /stats/summary reply, the parts the agent uses. */
export interface Summary {
  /** nodefs (the filesystem of the kubelet's root directory) and the runtime's imagefs. */
  node?: { fs?: FsStats; runtime?: { imageFs?: FsStats } };
  pods: Array<{
    podRef: { name: string; namespace: string; uid: string };
    network?: { rxBytes?: number; txBytes?: number };
    containers?: Array<{
      name: string;
      startTime?: string;
      cpu?: { usageCoreNanoSeconds?: number };
      memory?: { workingSetBytes?: number };
    }>;
  }>;
}
