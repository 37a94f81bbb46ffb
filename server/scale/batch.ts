// Handshake batching for restart avalanches: thousands of clients return within a second or two,
// and each handshake used to cost its own database reads and a write. Most of that cost is per
// statement (Prisma compiles each one), not per row, so the reads asked for in the same tick go
// out as one `IN (...)` query, and the last-seen writes as one UPDATE. Under light load a batch is
// one key: the same statement count as before, one setImmediate later.

/** Asks `load` once for every key requested in the same tick (at most `maxBatch` per query). */
export function batchLoader<K, V>(load: (keys: K[]) => Promise<Map<K, V>>, maxBatch = 500): (key: K) => Promise<V | undefined> {
  let waiting = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batch = waiting;
    waiting = new Map();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += maxBatch) {
      const chunk = keys.slice(i, i + maxBatch);
      load(chunk).then(
        (found) => {
          for (const k of chunk) for (const w of batch.get(k) ?? []) w.resolve(found.get(k));
        },
        (err: unknown) => {
          for (const k of chunk) for (const w of batch.get(k) ?? []) w.reject(err);
        },
      );
    }
  };
  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const list = waiting.get(key);
      if (list) list.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * Collects keys and hands them to `write` together, one batch at a time (the next batch waits for
 * the current write). For writes nobody waits on, like a visitor's last-seen time; a failure is
 * reported to `onError` and not retried.
 */
export function writeBehind<K>(write: (keys: K[]) => Promise<unknown>, onError: (err: unknown) => void): { add(key: K): void; idle(): Promise<void> } {
  let queued = new Set<K>();
  let running: Promise<void> | null = null;
  const run = () => {
    if (running || !queued.size) return;
    const keys = [...queued];
    queued = new Set();
    running = write(keys).then(
      () => undefined,
      (err: unknown) => onError(err),
    );
    void running.then(() => {
      running = null;
      run();
    });
  };
  return {
    add(key) {
      queued.add(key);
      if (!running && queued.size === 1) setImmediate(run);
    },
    async idle() {
      while (running || queued.size) {
        run();
        await running;
      }
    },
  };
}
