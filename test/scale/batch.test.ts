// The handshake batching helpers: reads asked for in the same tick share one load, writes go
// behind in batches, failures reach every waiter.
import { describe, expect, it } from "vitest";
import { batchLoader, writeBehind } from "../../server/scale/batch.ts";

describe("handshake batching", () => {
  it("one load for the keys of a tick, split at maxBatch; missing keys are undefined; errors reach each waiter", async () => {
    const calls: string[][] = [];
    const load = batchLoader(async (keys: string[]) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== "none").map((k) => [k, k.toUpperCase()]));
    }, 3);
    const got = await Promise.all(["a", "b", "a", "c", "d", "none"].map((k) => load(k)));
    expect(got).toEqual(["A", "B", "A", "C", "D", undefined]);
    expect(calls).toEqual([
      ["a", "b", "c"],
      ["d", "none"],
    ]);
    expect(await load("e")).toBe("E");
    expect(calls).toHaveLength(3);

    const failing = batchLoader(async (): Promise<Map<string, string>> => Promise.reject(new Error("db down")));
    const results = await Promise.allSettled([failing("x"), failing("y")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("writes behind: keys of a tick in one write, later keys in the next, idle() waits for all", async () => {
    const writes: string[][] = [];
    let release: (() => void) | null = null;
    const w = writeBehind(
      (keys: string[]) => {
        writes.push(keys);
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    w.add("a");
    w.add("b");
    w.add("a");
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([["a", "b"]]);
    w.add("c");
    const idle = w.idle();
    release!();
    await new Promise((r) => setImmediate(r));
    expect(writes).toEqual([["a", "b"], ["c"]]);
    release!();
    await idle;
    const errors: unknown[] = [];
    const broken = writeBehind(() => Promise.reject(new Error("no")), (e) => errors.push(e));
    broken.add("x");
    await broken.idle();
    expect(errors).toHaveLength(1);
  });
});
