/** The agent's own CPU (cores, averaged since the previous call) and resident memory. */
export class SelfUsage {
  private prevCpu = process.cpuUsage();
  private prevAt = process.hrtime.bigint();

  read(): { cpuCores: number | null; rssBytes: number } {
    const cpu = process.cpuUsage();
    const at = process.hrtime.bigint();
    const wallUs = Number(at - this.prevAt) / 1000;
    const usedUs = cpu.user - this.prevCpu.user + (cpu.system - this.prevCpu.system);
    this.prevCpu = cpu;
    this.prevAt = at;
    return { cpuCores: wallUs > 0 ? Math.max(0, usedUs / wallUs) : null, rssBytes: process.memoryUsage.rss() };
  }
}
