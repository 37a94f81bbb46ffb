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
import type BetterSqlite3 from "better-sqlite3";

export type Release = () => void;

/**
 * What Prisma's connection shares with the direct statements of sqlite-direct.ts: the lock that
 * orders every statement and transaction of this process, the better-sqlite3 handle itself (null
 * until Prisma connects), and the WAL flush every write waits for before it counts as done
 * (sqlite-wal-sync.ts). The flush is awaited after the lock is let go, so the statements queued
 * behind a write run meanwhile and the writes among them share the next flush (group commit).
 */
export interface SqliteLink {
  lock: () => Promise<Release>;
  client: BetterSqlite3.Database | null;
  durable: () => Promise<void>;
  /** whether the connection changed rows since the last call (total_changes moved) */
  wrote(): boolean;
}

export function sqliteLink(durable: () => Promise<void> = async () => undefined): SqliteLink {
  let seen = 0;
  let counter: { db: BetterSqlite3.Database; stmt: BetterSqlite3.Statement } | null = null;
  const link: SqliteLink = {
    lock: fifoLock(),
    client: null,
    durable,
    wrote() {
      const db = link.client;
      if (!db) return false;
      if (counter?.db !== db) counter = { db, stmt: db.prepare("SELECT total_changes()").pluck().safeIntegers(false) };
      const total = counter.stmt.get() as number;
      const moved = total !== seen;
      seen = total;
      return moved;
    },
  };
  return link;
}

/**
 * Ends a statement or transaction that held the lock: lets the next one in, then, if this one
 * changed rows, resolves once they are on disk. Nothing is reported done before that; another
 * statement of this process may read the rows meanwhile (for the flush's ~1 ms), which matters
 * only if the machine loses power then, and then the unacknowledged writer retries.
 */
export async function releaseDurably(link: SqliteLink, release: Release): Promise<void> {
  let wrote: boolean;
  try {
    wrote = link.wrote();
  } finally {
    // Whatever wrote() does, the lock goes back: a lock kept here stops every writer for good.
    release();
  }
  if (wrote) await link.durable();
}

/**
 * Runs `work` holding the link's lock: let go at once when it fails, else durably (a write is
 * done once its flush is). What every statement and direct transaction of this process runs in.
 */
export async function underLock<T>(link: SqliteLink, work: () => Promise<T>): Promise<T> {
  const release = await link.lock();
  let result: T;
  try {
    result = await work();
  } catch (err) {
    release();
    throw err;
  }
  await releaseDurably(link, release);
  return result;
}

/** How long a statement keeps retrying while another connection holds the write lock. */
const BUSY_WAIT_MS = 10_000;

function isBusy(err: unknown): boolean {
  // better-sqlite3's own error (direct statements) has the code; the adapter's wraps it in cause.
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("SQLITE_BUSY")) return true;
  const cause = (err as { cause?: { kind?: unknown; originalCode?: unknown } } | null)?.cause;
  return cause?.kind === "SocketTimeout" || (typeof cause?.originalCode === "string" && cause.originalCode.startsWith("SQLITE_BUSY"));
}

/** Runs `attempt` until it does not fail with SQLITE_BUSY, backing off without blocking. */
export async function whenFree<T>(attempt: () => Promise<T>): Promise<T> {
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

function wrapTransaction(tx: Transaction, release: Release, link: SqliteLink): Transaction {
  return {
    provider: tx.provider,
    adapterName: tx.adapterName,
    options: tx.options,
    queryRaw: (q: SqlQuery) => tx.queryRaw(q),
    executeRaw: (q: SqlQuery) => tx.executeRaw(q),
    async commit() {
      try {
        await tx.commit();
      } catch (err) {
        release();
        throw err;
      }
      await releaseDurably(link, release);
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

function serialise(inner: SqlDriverAdapter, link: SqliteLink): SqlDriverAdapter {
  const { lock } = link;
  const connectionInfo = inner.getConnectionInfo?.bind(inner);
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => underLock(link, () => whenFree(run));
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
        return wrapTransaction(tx, release, link);
      } catch (err) {
        release();
        throw err;
      }
    },
    ...(connectionInfo ? { getConnectionInfo: connectionInfo } : {}),
    dispose: () => inner.dispose(),
  };
}

/** `link`: filled with the connection's handle on connect, for sqlite-direct.ts. */
export function serialisedSqlite(factory: SqlDriverAdapterFactory, link: SqliteLink = sqliteLink()): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => {
      const inner = await factory.connect();
      // The adapter keeps its better-sqlite3 handle in a public field it does not declare; the
      // direct statements must use that very connection (same lock, same transaction state).
      const client = (inner as { client?: unknown }).client;
      if (!isBetterSqlite3(client)) throw new Error("sqlite-serial: the better-sqlite3 adapter no longer exposes its connection");
      link.client = client;
      return serialise(inner, link);
    },
  };
}

function isBetterSqlite3(x: unknown): x is BetterSqlite3.Database {
  return typeof x === "object" && x !== null && typeof (x as BetterSqlite3.Database).prepare === "function" && typeof (x as BetterSqlite3.Database).exec === "function";
}
