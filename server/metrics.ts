// Prometheus metrics. One registry per app instance, so tests can run several apps in a process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  visitorsConnected: Gauge;
  agentsConnected: Gauge;
  queued: Gauge<"site">;
  messages: Counter<"author">;
  assignmentLatency: Histogram;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "parley_" });
  return {
    registry,
    visitorsConnected: new Gauge({ name: "parley_connected_visitors", help: "Visitor sockets connected to this process", registers: [registry] }),
    agentsConnected: new Gauge({ name: "parley_connected_agents", help: "Agent sockets connected to this process", registers: [registry] }),
    queued: new Gauge({ name: "parley_queued_conversations", help: "Conversations waiting for an agent", labelNames: ["site"], registers: [registry] }),
    messages: new Counter({ name: "parley_messages_total", help: "Messages stored", labelNames: ["author"], registers: [registry] }),
    assignmentLatency: new Histogram({
      name: "parley_assignment_latency_seconds",
      help: "Time from entering the queue to being assigned",
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
