/**
 * A stand-in for a node's container runtime and kubelet as far as container log files go (no
 * kubelet can run here). It writes and rotates files the way Kubernetes' own source does; each
 * rule names the file it follows:
 *
 * - Layout: /var/log/pods/<namespace>_<pod>_<uid>/<container>/<restartCount>.log
 *   (pkg/kubelet/kuberuntime/helpers.go BuildContainerLogsDirectory / buildContainerLogsPath);
 *   every new instance of the container (a restart) writes a new <restartCount>.log, its number
 *   being the previous instance's restart count + 1 (pkg/kubelet/kuberuntime/kuberuntime_container.go,
 *   startContainer), and the
 *   previous file stays until the dead container is garbage-collected
 *   (pkg/kubelet/kuberuntime/kuberuntime_container.go removeContainerLog).
 * - Line format: "<RFC3339Nano> <stdout|stderr> <F|P> <text>\n", P when the runtime split a line
 *   longer than its maximum entry size (16 KiB by default) and the rest follows; parsed by
 *   pkg/kubelet/kuberuntime/logs/logs.go (parseCRILog). Timestamps are written with 9 digits
 *   (timeFormatOut = RFC3339NanoFixed in the same file).
 * - Rotation (pkg/kubelet/logs/container_log_manager.go): only running containers are rotated
 *   (rotateLogs), only when the live file reached MaxSize (processContainer); then in rotateLog:
 *   remove unused files (*.tmp, files whose .gz exists: cleanupUnusedLogs/isInUse), keep at most
 *   MaxFiles-2 rotated files, removing the oldest first (removeExcessLogs), compress every rotated
 *   file not compressed yet through <name>.tmp renamed to <name>.gz, then remove the original
 *   (compressLog), and rename the live file to <log>.<YYYYMMDD-hhmmss> (rotateLatestLog,
 *   timestampFormat "20060102-150405") after which the runtime reopens a fresh live file
 *   (ReopenContainerLog). MaxFiles must be > 1 (NewContainerLogManager).
 */
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface CriContainerRef {
  namespace: string;
  pod: string;
  podUid: string;
  container: string;
}

/** RFC3339NanoFixed: always nine fractional digits (logs.go timeFormatOut). */
export function criTime(ms: number, nanos = 0): string {
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19);
  const frac = String(((ms % 1000) * 1e6 + nanos) % 1e9).padStart(9, '0');
  return `${iso}.${frac}Z`;
}

/** "20060102-150405" in UTC (container_log_manager.go timestampFormat; the kubelet uses its clock). */
function rotationStamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export class CriLogDir {
  readonly dir: string;
  restartCount = 0;
  running = true;
  /** Container ids by restart count (the runtime gives every instance a new id). */
  readonly ids: string[];
  /** The stand-in's clock; every rotation advances it so that rotated names differ. */
  clock = Date.UTC(2026, 0, 1, 0, 0, 0);
  private seq = 0;

  constructor(
    podLogDir: string,
    readonly ref: CriContainerRef,
    readonly policy: { maxSize: number; maxFiles: number; maxEntry?: number } = { maxSize: 10 * 2 ** 20, maxFiles: 5 }
  ) {
    // NewContainerLogManager: "invalid MaxFiles %d, must be > 1".
    if (policy.maxFiles <= 1) throw new Error(`invalid MaxFiles ${policy.maxFiles}, must be > 1`);
    this.dir = join(podLogDir, `${ref.namespace}_${ref.pod}_${ref.podUid}`, ref.container);
    mkdirSync(this.dir, { recursive: true });
    this.ids = [`${ref.container}-c0`];
    writeFileSync(this.live, '');
  }

  get id(): string {
    return this.ids[this.restartCount];
  }

  get live(): string {
    return join(this.dir, `${this.restartCount}.log`);
  }

  /**
   * The container writes `text` (one line, without its newline) to a stream; the runtime splits
   * it into entries of at most maxEntry bytes (P … P F). `eol: false` leaves the line open (the
   * runtime writes a P entry and waits for the rest).
   */
  write(stream: 'stdout' | 'stderr', text: string, eol = true): void {
    if (!this.running) throw new Error('the container is not running: nothing writes to its log');
    const max = this.policy.maxEntry ?? 16 * 1024;
    const parts: string[] = [];
    for (let i = 0; i < text.length; i += max) parts.push(text.slice(i, i + max));
    if (!parts.length) parts.push('');
    const lines = parts.map((p, i) => {
      const tag = i < parts.length - 1 || !eol ? 'P' : 'F';
      return `${criTime(this.clock, ++this.seq)} ${stream} ${tag} ${p}\n`;
    });
    appendFileSync(this.live, lines.join(''));
  }

  /** One pass of the kubelet's rotation for this container; false when nothing was rotated. */
  rotate(): boolean {
    if (!this.running) return false; // rotateLogs: only running containers
    if (statSync(this.live).size < this.policy.maxSize) return false; // processContainer
    const base = `${this.restartCount}.log`;
    let logs = readdirSync(this.dir).filter((n) => n.startsWith(`${base}.`));
    // cleanupUnusedLogs: temporary files and originals of compressed files are not in use.
    const unused = logs.filter((l) => l.endsWith('.tmp') || (!l.endsWith('.gz') && logs.includes(`${l}.gz`)));
    for (const u of unused) rmSync(join(this.dir, u));
    logs = logs.filter((l) => !unused.includes(l)).sort();
    // removeExcessLogs: at most MaxFiles-2 rotated files, oldest removed first.
    const keep = Math.max(this.policy.maxFiles - 2, 0);
    while (logs.length > keep) rmSync(join(this.dir, logs.shift()!));
    // compressLog: <l> → <l>.tmp (gzip) → <l>.gz, then <l> removed.
    for (const l of logs) {
      if (l.endsWith('.gz')) continue;
      const src = join(this.dir, l);
      writeFileSync(`${src}.tmp`, gzipSync(readFileSync(src)));
      renameSync(`${src}.tmp`, `${src}.gz`);
      rmSync(src);
    }
    // rotateLatestLog: rename, then the runtime reopens the live file.
    this.clock += 1000;
    renameSync(this.live, join(this.dir, `${base}.${rotationStamp(this.clock)}`));
    this.reopen();
    return true;
  }

  /** Only the rename of rotateLatestLog, before the runtime's ReopenContainerLog (the window in between). */
  renameOnly(): string {
    this.clock += 1000;
    const to = join(this.dir, `${this.restartCount}.log.${rotationStamp(this.clock)}`);
    renameSync(this.live, to);
    return to;
  }

  /** ReopenContainerLog: the runtime creates the live file again. */
  reopen(): void {
    if (!existsSync(this.live)) writeFileSync(this.live, '');
  }

  /** The container exits (crash); its file stays. */
  exit(): void {
    this.running = false;
  }

  /** The kubelet starts the next instance: restartCount + 1, a new id, a new <restartCount>.log. */
  restart(): void {
    this.running = false;
    this.restartCount++;
    this.ids.push(`${this.ref.container}-c${this.restartCount}`);
    writeFileSync(this.live, '');
    this.running = true;
  }

  /** What the pod status says about this container (containerStatuses[] entry). */
  status(): {
    name: string;
    containerID: string;
    restartCount: number;
    lastState: { terminated?: { containerID: string; reason: string } };
  } {
    return {
      name: this.ref.container,
      containerID: `containerd://${this.id}`,
      restartCount: this.restartCount,
      lastState: this.restartCount
        ? { terminated: { containerID: `containerd://${this.ids[this.restartCount - 1]}`, reason: 'Error' } }
        : {},
    };
  }

  files(): string[] {
    return readdirSync(this.dir).sort();
  }
}
