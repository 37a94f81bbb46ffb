// One SQLite connection serves every query of a Prisma client, and the better-sqlite3 adapter only
// serialises transactions against each other: a plain query issued while an interactive
// transaction is open runs INSIDE it, sees its uncommitted rows and is rolled back with it. This
// wrapper makes plain queries wait for the open transaction (and transactions for each other), so
// a transaction that rolls back takes only its own statements with it.
// Transactions take the write lock when they begin (BEGIN IMMEDIATE): one that read first and
// wrote later would fail outright when another process wrote in between. Waiting for a lock held
// by another connection happens here, asynchronously (client.ts keeps SQLite's own busy timeout,
// which blocks the whole process while it waits, short): a second client in the same process
// can then finish the transaction that holds the lock instead of being frozen out by our wait.
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

type Release = () => void;

/** How long a statement keeps retrying while another connection holds the write lock. */
const BUSY_WAIT_MS = 10_000;

function isBusy(err: unknown): boolean {
  const cause = (err as { cause?: { kind?: unknown; originalCode?: unknown } } | null)?.cause;
  return cause?.kind === "SocketTimeout" || (typeof cause?.originalCode === "string" && cause.originalCode.startsWith("SQLITE_BUSY"));
}

/** Runs `attempt` until it does not fail with SQLITE_BUSY, backing off without blocking. */
async function whenFree<T>(attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_WAIT_MS;
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isBusy(err) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, 2 + i * 3) * (0.5 + Math.random())));
    }
  }
}

function fifoLock(): () => Promise<Release> {
  let tail: Promise<void> = Promise.resolve();
  return () => {
    let release!: Release;
    const held = new Promise<void>((resolve) => (release = resolve));
    const previous = tail;
    tail = previous.then(() => held);
    return previous.then(() => {
      let done = false;
      return () => {
        if (done) return;
        done = true;
        release();
      };
    });
  };
}

function wrapTransaction(tx: Transaction, release: Release): Transaction {
  return {
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: (q: SqlQuery) => tx.queryRaw(q),
    executeRaw: (q: SqlQuery) => tx.executeRaw(q),
    async commit() {
      try {
        await tx.commit();
      } finally {
        release();
      }
    },
    async rollback() {
      try {
        await tx.rollback();
      } finally {
        release();
      }
    },
  };
}

function serialise(inner: SqlDriverAdapter): SqlDriverAdapter {
  const lock = fifoLock();
  const connectionInfo = inner.getConnectionInfo?.bind(inner);
  const exclusive = async <T>(run: () => Promise<T>): Promise<T> => {
    const release = await lock();
    try {
      return await whenFree(run);
    } finally {
      release();
    }
  };
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    queryRaw: (q) => exclusive(() => inner.queryRaw(q)),
    executeRaw: (q) => exclusive(() => inner.executeRaw(q)),
    executeScript: (script) => exclusive(() => inner.executeScript(script)),
    async startTransaction(isolationLevel) {
      const release = await lock();
      try {
        const tx = await inner.startTransaction(isolationLevel);
        // The adapter opened a DEFERRED transaction (nothing locked yet): trade it for an
        // IMMEDIATE one, retried while another connection holds the write lock.
        await tx.executeRaw({ sql: "ROLLBACK", args: [], argTypes: [] });
        await whenFree(() => tx.executeRaw({ sql: "BEGIN IMMEDIATE", args: [], argTypes: [] }));
        return wrapTransaction(tx, release);
      } catch (err) {
        release();
        throw err;
      }
    },
    ...(connectionInfo ? { getConnectionInfo: connectionInfo } : {}),
    dispose: () => inner.dispose(),
  };
}

export function serialisedSqlite(factory: SqlDriverAdapterFactory): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => serialise(await factory.connect()),
  };
}
