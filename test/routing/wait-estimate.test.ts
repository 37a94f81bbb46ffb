// How good is the estimated wait? A simulated support desk (Poisson arrivals, exponential or
// log-normal handle times, FIFO queue, agents near full utilisation) asks the same estimator the server uses, fed
// the same inputs siteLoad() reads from the database (capacity online, free slots, the last
// RECENT_SAMPLE handle times), for each arriving visitor, and compares with the wait that visitor
// then actually had. Reports the mean absolute error, beside the naive estimate the backbone used
// (recent mean wait x position / agents online) as a yardstick.
import { describe, expect, it } from "vitest";
import { RECENT_SAMPLE, estimateWaitSeconds, meanOf } from "../../server/routing/estimate.ts";
import { seededRandom } from "./seeded-random.ts";

interface Desk {
  agents: number;
  capacity: number;
  meanHandleSeconds: number;
  /** arrival rate as a share of what the desk can serve */
  utilisation: number;
  hours: number;
  /** handle-time distribution: exponential, or log-normal (sigma 1: many short chats, a long tail) */
  handle: "exponential" | "lognormal";
}

interface Outcome {
  estimated: number;
  naive: number | null;
  actual: number;
}

function simulate(seed: number, desk: Desk): Outcome[] {
  const random = seededRandom(seed);
  const exp = (mean: number) => -Math.log(1 - random()) * mean;
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // Log-normal with sigma 1 and the same mean: exp(mu + 1/2) = mean.
  const handleTime = () => (desk.handle === "exponential" ? exp(desk.meanHandleSeconds) : desk.meanHandleSeconds * Math.exp(normal() - 0.5));
  const slots = desk.agents * desk.capacity;
  const arrivalMean = desk.meanHandleSeconds / (slots * desk.utilisation);
  const end = desk.hours * 3600;

  const completions: number[] = [];
  const handled: number[] = []; // recent handle times, newest last
  const waits: number[] = []; // recent waits, newest last
  const queue: { arrived: number; outcome: Outcome }[] = [];
  const outcomes: Outcome[] = [];
  let busy = 0;
  let now = 0;
  let nextArrival = exp(arrivalMean);

  const start = (at: number) => {
    busy++;
    const h = handleTime();
    completions.push(at + h);
    handled.push(h);
  };
  while (now < end) {
    const nextDone = completions.length ? Math.min(...completions) : Infinity;
    if (nextArrival <= nextDone) {
      now = nextArrival;
      nextArrival = now + exp(arrivalMean);
      const position = queue.length + 1;
      const load = { slots, freeSlots: slots - busy, recentHandleSeconds: handled.slice(-RECENT_SAMPLE) };
      const recentWait = meanOf(waits.slice(-20));
      const outcome: Outcome = {
        estimated: estimateWaitSeconds(position, load) ?? NaN,
        naive: recentWait === null ? null : (recentWait * position) / desk.agents,
        actual: 0,
      };
      outcomes.push(outcome);
      if (busy < slots && queue.length === 0) {
        start(now);
        waits.push(0);
      } else queue.push({ arrived: now, outcome });
    } else {
      now = nextDone;
      completions.splice(completions.indexOf(nextDone), 1);
      busy--;
      const next = queue.shift();
      if (next) {
        next.outcome.actual = now - next.arrived;
        waits.push(next.outcome.actual);
        start(now);
      }
    }
  }
  // Visitors still waiting at the end have no known wait; the first hour warms the history up.
  const warm = Math.ceil(3600 / arrivalMean);
  return outcomes.slice(warm, outcomes.length - queue.length).filter((o) => !Number.isNaN(o.estimated));
}

const mae = (xs: number[]) => xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;

describe("estimated wait", () => {
  it("is close to the wait visitors then have (mean absolute error, simulated desk)", () => {
    const desks: Desk[] = [
      { agents: 5, capacity: 3, meanHandleSeconds: 240, utilisation: 0.95, hours: 24, handle: "exponential" },
      { agents: 2, capacity: 2, meanHandleSeconds: 300, utilisation: 0.9, hours: 24, handle: "exponential" },
      { agents: 10, capacity: 3, meanHandleSeconds: 180, utilisation: 1.0, hours: 12, handle: "exponential" },
      { agents: 5, capacity: 3, meanHandleSeconds: 240, utilisation: 0.95, hours: 24, handle: "lognormal" },
    ];
    for (const desk of desks) {
      const outcomes = [1, 2, 3].flatMap((seed) => simulate(seed, desk));
      const waited = outcomes.filter((o) => o.actual > 0);
      const ours = mae(outcomes.map((o) => o.estimated - o.actual));
      const oursWaited = mae(waited.map((o) => o.estimated - o.actual));
      const naive = mae(outcomes.filter((o) => o.naive !== null).map((o) => (o.naive as number) - o.actual));
      const meanWait = waited.reduce((s, o) => s + o.actual, 0) / waited.length;
      console.log(
        `[wait estimate] ${desk.agents} agents x ${desk.capacity}, ${desk.handle} handle ${desk.meanHandleSeconds} s, utilisation ${desk.utilisation}:`,
        `${outcomes.length} visitors, ${waited.length} waited (mean ${meanWait.toFixed(0)} s);`,
        `MAE ${ours.toFixed(1)} s over all, ${oursWaited.toFixed(1)} s over those who waited; naive estimate MAE ${naive.toFixed(1)} s`,
      );
      expect(waited.length).toBeGreaterThan(100);
      // Far better than the naive estimate, and well inside the wait it predicts.
      expect(ours).toBeLessThan(naive * 0.7);
      expect(oursWaited).toBeLessThan(meanWait * 0.6);
    }
  });

  it("says 0 when a slot is free, and nothing without agents or history", () => {
    expect(estimateWaitSeconds(2, { slots: 6, freeSlots: 2, recentHandleSeconds: [] })).toBe(0);
    expect(estimateWaitSeconds(3, { slots: 6, freeSlots: 2, recentHandleSeconds: [300] })).toBe(50);
    expect(estimateWaitSeconds(1, { slots: 0, freeSlots: 0, recentHandleSeconds: [300] })).toBeNull();
    expect(estimateWaitSeconds(1, { slots: 3, freeSlots: 0, recentHandleSeconds: [] })).toBeNull();
  });
});
