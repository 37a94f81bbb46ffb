// Handshake batching for restart avalanches: thousands of clients return within a second or two,
// and each handshake used to cost its own database reads and a write. Most of that cost is per
// statement (Prisma compiles each one), not per row, so the reads asked for in the same tick go
// out as one `IN (...)` query, and the last-seen writes as one UPDATE. Under light load a batch is
// one key: the same statement count as before, one setImmediate later.

/**
 * Asks `load` once for every key requested while the previous load was running (or in the same
 * tick when idle), at most `maxBatch` keys per query. Handshakes arrive one per I/O event, so a
 * batch forms while the database is busy answering the last one: the busier, the bigger.
 */
export function batchLoader<K, V>(load: (keys: K[]) => Promise<Map<K, V>>, maxBatch = 500): (key: K) => Promise<V | undefined> {
  let waiting = new Map<K, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  let scheduled = false;
  let running = false;
  const flush = () => {
    scheduled = false;
    if (running || !waiting.size) return;
    const keys = [...waiting.keys()].slice(0, maxBatch);
    const batch = new Map(keys.map((k) => [k, waiting.get(k) ?? []] as const));
    for (const k of keys) waiting.delete(k);
    running = true;
    load(keys)
      .then(
        (found) => {
          for (const [k, list] of batch) for (const w of list) w.resolve(found.get(k));
        },
        (err: unknown) => {
          for (const list of batch.values()) for (const w of list) w.reject(err);
        },
      )
      .finally(() => {
        running = false;
        flush();
      });
  };
  return (key) =>
    new Promise<V | undefined>((resolve, reject) => {
      const list = waiting.get(key);
      if (list) list.push({ resolve, reject });
      else waiting.set(key, [{ resolve, reject }]);
      if (!scheduled && !running) {
        scheduled = true;
        setImmediate(flush);
      }
    });
}

/**
 * Collects keys for `windowMs` and hands them to `write` together, one batch at a time (the next
 * batch waits for the current write). For writes nobody waits on, like a visitor's last-seen time; a failure is
 * reported to `onError` and not retried.
 */
export function writeBehind<K>(write: (keys: K[]) => Promise<unknown>, onError: (err: unknown) => void, windowMs = 250): { add(key: K): void; idle(): Promise<void> } {
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
      // The first key of a batch waits `windowMs` for company; a running write holds the rest.
      if (!running && queued.size === 1) setTimeout(run, windowMs).unref();
    },
    async idle() {
      while (running || queued.size) {
        run();
        await running;
      }
    },
  };
}

/**
 * Group commit: one batch in flight at a time; what is added meanwhile waits and forms the next
 * batch, so an idle server writes at once and a busy one writes in larger batches. `write`
 * answers every item of a batch, in order, with its value or the Error that item fails with; a
 * throw fails the whole batch.
 */
export class GroupCommit<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (err: unknown) => void }[] = [];
  private running: Promise<void> | null = null;

  constructor(
    private readonly write: (items: I[]) => Promise<readonly (O | Error)[]>,
    private readonly max = 256,
  ) {}

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  /** Resolves when nothing is waiting to be written (shutdown flushes before closing the database). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      // Let the event loop read what the sockets have before taking a batch. SQLite answers
      // synchronously, so a whole batch can run in microtasks without the loop ever polling:
      // without this turn every item found an empty queue and batches were of one.
      while ((await new Promise<void>((resolve) => setImmediate(resolve)), this.queue.length)) {
        const batch = this.queue.splice(0, this.max);
        try {
          const out = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => {
            const o = out[i];
            if (o instanceof Error) b.reject(o);
            else b.resolve(o);
          });
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.running = null;
    }
  }
}

/**
 * A failed batch, item by item: runs `write` for each input on its own, in order; an input whose
 * write throws gets `failed(err)` as its result. So one bad item fails only itself.
 */
export async function eachAlone<I, O>(inputs: readonly I[], write: (one: [I]) => Promise<O[]>, failed: (err: Error) => O): Promise<O[]> {
  const out: O[] = [];
  for (const input of inputs) {
    try {
      out.push(...(await write([input])));
    } catch (err) {
      out.push(failed(err instanceof Error ? err : new Error(String(err))));
    }
  }
  return out;
}
