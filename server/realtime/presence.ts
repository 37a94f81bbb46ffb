// Which agents have a live console in this process, and the grace period after the last one
// closes: a reload or a network blip must not take an agent offline.
export class Presence {
  private readonly sockets = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly graceMs: number,
    private readonly onGone: (agentId: string) => void,
  ) {}

  connected(agentId: string): void {
    this.sockets.set(agentId, (this.sockets.get(agentId) ?? 0) + 1);
    const t = this.timers.get(agentId);
    if (t) {
      clearTimeout(t);
      this.timers.delete(agentId);
    }
  }

  disconnected(agentId: string): void {
    const n = (this.sockets.get(agentId) ?? 1) - 1;
    if (n > 0) {
      this.sockets.set(agentId, n);
      return;
    }
    this.sockets.delete(agentId);
    const timer = setTimeout(() => {
      this.timers.delete(agentId);
      if (!this.sockets.has(agentId)) this.onGone(agentId);
    }, this.graceMs);
    timer.unref();
    this.timers.set(agentId, timer);
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
