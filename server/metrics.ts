// Prometheus metrics. One registry per app instance, so tests can run several apps in a process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export interface Metrics {
  registry: Registry;
  visitorsConnected: Gauge;
  agentsConnected: Gauge;
  queued: Gauge<"site">;
  messages: Counter<"author">;
  assignmentLatency: Histogram;
  queueWait: Histogram;
  agentUtilisation: Gauge<"agent">;
  utilisation: Gauge;
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
      help: "Routing engine latency: from the moment an assignment became possible (chat queued, or capacity appeared, whichever was later) to the assignment committed",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueWait: new Histogram({
      name: "parley_queue_wait_seconds",
      help: "Time conversations waited in the queue before an agent got them",
      buckets: [0.1, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
      registers: [registry],
    }),
    agentUtilisation: new Gauge({ name: "parley_agent_utilisation_ratio", help: "Open conversations / capacity, per agent not offline", labelNames: ["agent"], registers: [registry] }),
    utilisation: new Gauge({ name: "parley_agents_utilisation_ratio", help: "Open conversations / capacity, over all agents online or away", registers: [registry] }),
  };
}
