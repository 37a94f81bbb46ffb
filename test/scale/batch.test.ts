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
    // Keys asked for while a load runs wait for it, then go out together.
    let open: (() => void) | null = null;
    const slowCalls: string[][] = [];
    const slow = batchLoader(async (keys: string[]) => {
      slowCalls.push(keys);
      await new Promise<void>((r) => (open = r));
      return new Map(keys.map((k) => [k, k]));
    });
    const first = slow("p");
    await new Promise((r) => setImmediate(r));
    const later = [slow("q"), slow("r")];
    open!();
    await first;
    await new Promise((r) => setImmediate(r));
    open!();
    expect(await Promise.all(later)).toEqual(["q", "r"]);
    expect(slowCalls).toEqual([["p"], ["q", "r"]]);
    expect(await load("e")).toBe("E");
    expect(calls).toHaveLength(3);

    const failing = batchLoader(async (): Promise<Map<string, string>> => Promise.reject(new Error("db down")));
    const results = await Promise.allSettled([failing("x"), failing("y")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  it("writes behind: keys of a window in one write, keys during a write in the next, idle() waits for all", async () => {
    const writes: string[][] = [];
    let release: (() => void) | null = null;
    let started: (() => void) | null = null;
    const nextWrite = () => new Promise<void>((r) => (started = r));
    const w = writeBehind(
      (keys: string[]) => {
        writes.push(keys);
        started?.();
        return new Promise<void>((r) => (release = r));
      },
      () => undefined,
      5,
    );
    let began = nextWrite();
    w.add("a");
    w.add("b");
    w.add("a");
    await began;
    expect(writes).toEqual([["a", "b"]]);
    began = nextWrite();
    w.add("c");
    w.add("d");
    const idle = w.idle();
    release!();
    await began;
    expect(writes).toEqual([["a", "b"], ["c", "d"]]);
    release!();
    await idle;
    const errors: unknown[] = [];
    const broken = writeBehind(() => Promise.reject(new Error("no")), (e) => errors.push(e), 1);
    broken.add("x");
    await broken.idle();
    expect(errors).toHaveLength(1);
  });
});
