// Durable commits on SQLite without stopping the process for the disk. With synchronous=FULL,
// SQLite fsyncs the WAL inside every COMMIT, on the event loop: 200–700 µs a commit in the
// throughput bench, the largest single cost of a message batch. The connection runs with
// synchronous=NORMAL instead (commits are written to the WAL but not synced; SQLite still syncs
// around checkpoints) and this flushes the WAL file itself, on libuv's thread pool, before the
// commit is reported done. That gives FULL's guarantee (a commit reported done survives a power
// loss) while the loop keeps reading sockets; commits that land while a flush runs share the next
// one (group commit): a write is reported done only once its flush completed
// (sqlite-serial.ts releaseDurably), while the statements behind it go on.
import { close, fdatasync, fsync, open } from "node:fs";
import { dirname } from "node:path";
import { promisify } from "node:util";

const openFile = promisify(open);
const syncFile = promisify(fdatasync);
const fsyncFile = promisify(fsync);
const closeFile = promisify(close);

/**
 * Opens the WAL and makes its directory entry durable once: a WAL file created since the last
 * directory sync could vanish in a power loss with everything synced into it. SQLite syncs the
 * directory on the WAL's first sync itself, but under synchronous=NORMAL that comes only with the
 * first checkpoint.
 */
async function openWal(dbFile: string): Promise<number> {
  const fd = await openFile(`${dbFile}-wal`, "r");
  try {
    const dir = await openFile(dirname(dbFile), "r");
    await fsyncFile(dir).finally(() => closeFile(dir));
  } catch (err) {
    await closeFile(fd).catch(() => undefined);
    throw err;
  }
  return fd;
}

export interface WalSync {
  /** Resolves once everything committed before the call is on disk. */
  durable(): Promise<void>;
  close(): Promise<void>;
}

/** `flushFile`: fdatasync (tests count the calls) */
export function walSync(dbFile: string, flushFile: (fd: number) => Promise<void> = syncFile): WalSync {
  // Opened on first use: the WAL file exists from the first write of a WAL-mode connection, and
  // stays the same file while that connection is open (SQLite removes it only after the last
  // connection closes).
  let fd: Promise<number> | null = null;
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;

  const flush = (): Promise<void> => {
    if (!fd) {
      const opening = openWal(dbFile);
      fd = opening;
      // A failed open is tried again by the next flush instead of failing every flush after it.
      opening.catch(() => {
        if (fd === opening) fd = null;
      });
    }
    const p = fd.then(flushFile).finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };

  return {
    durable() {
      if (!running) return flush();
      // The flush under way may have started before this commit: the next one covers it, and
      // every commit that arrives until it starts.
      next ??= running.then(
        () => ((next = null), flush()),
        () => ((next = null), flush()),
      );
      return next;
    },
    async close() {
      await running?.catch(() => undefined);
      await next?.catch(() => undefined);
      const handle = fd;
      fd = null;
      if (handle) await closeFile(await handle).catch(() => undefined);
    },
  };
}
