// One SQLite connection serves every query of a Prisma client, and the better-sqlite3 adapter only
// serialises transactions against each other: a plain query issued while an interactive
// transaction is open runs INSIDE it, sees its uncommitted rows and is rolled back with it. This
// wrapper makes plain queries wait for the open transaction (and transactions for each other), so
// a transaction that rolls back takes only its own statements with it.
import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from "@prisma/driver-adapter-utils";

type Release = () => void;

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
      return await run();
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
        return wrapTransaction(await inner.startTransaction(isolationLevel), release);
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
