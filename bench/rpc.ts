// Request/response over a forked child's IPC channel, typed by a method map, plus the registry
// that guarantees every child dies with the harness (normal end, failure, ctrl-C).
import { fork, type ChildProcess } from "node:child_process";

type Param<F> = F extends (params: infer P) => unknown ? P : never;
type Result<F> = F extends (params: never) => infer R ? Awaited<R> : never;
export type MethodMap<M> = { [K in keyof M]: (params: never) => unknown };

interface Request {
  t: "req";
  id: number;
  method: string;
  params: unknown;
}
type Response = { t: "res"; id: number; ok: true; result: unknown } | { t: "res"; id: number; ok: false; error: string };
type Ready = { t: "ready" };
type Incoming = Response | Ready;

interface Killable {
  readonly pid: number | undefined;
  kill(graceMs?: number): Promise<void>;
}
const live = new Set<Killable>();

export class Child<M extends MethodMap<M>> {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly ready: Promise<void>;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private nextId = 1;
  private gone = false;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    let onReady: () => void = () => undefined;
    let onReadyFail: (e: Error) => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      onReadyFail = reject;
    });
    // Send failures are handled per call; without a listener they would crash the harness.
    proc.on("error", () => undefined);
    proc.on("message", (raw) => {
      const msg = raw as Incoming;
      if (msg.t === "ready") return onReady();
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${this.name}: ${msg.error}`));
    });
    this.exited = new Promise((resolve) => {
      proc.once("exit", (code, signal) => {
        this.gone = true;
        live.delete(this);
        const err = new Error(`${this.name} exited (code ${code}, signal ${signal})`);
        onReadyFail(err);
        for (const p of this.pending.values()) {
          clearTimeout(p.timer);
          p.reject(err);
        }
        this.pending.clear();
        resolve({ code, signal });
      });
    });
    // A child that dies before it is ready must not leave an unhandled rejection behind.
    this.ready.catch(() => undefined);
  }

  /** Forks `script` under tsx and resolves once it has installed its handlers. */
  static async start<M extends MethodMap<M>>(name: string, script: string, opts: { execArgv?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Child<M>> {
    const proc = fork(script, [], {
      execArgv: ["--import", "tsx", ...(opts.execArgv ?? [])],
      env: { ...process.env, ...opts.env },
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const child = new Child<M>(name, proc);
    live.add(child);
    await withTimeout(child.ready, 60_000, `${name} did not start`);
    return child;
  }

  call<K extends keyof M & string>(method: K, params: Param<M[K]>, timeoutMs = 120_000): Promise<Result<M[K]>> {
    if (this.gone || !this.proc.connected) return Promise.reject(new Error(`${this.name} is not running`));
    const id = this.nextId++;
    return new Promise<Result<M[K]>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}.${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      const req: Request = { t: "req", id, method, params };
      // The channel can close between the check above and here (the child is being killed).
      this.proc.send(req, (err) => {
        if (!err) return;
        const p = this.pending.get(id);
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new Error(`${this.name}.${method}: ${err.message}`));
      });
    });
  }

  get alive(): boolean {
    return !this.gone;
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  async kill(graceMs = 5_000): Promise<void> {
    if (this.gone) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Waits for the child to exit by itself (after a `stop` call), killing it if it does not. */
  async waitExit(timeoutMs = 15_000): Promise<void> {
    if (this.gone) return;
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function killAllChildren(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill(2_000)));
}

/** Synchronous last resort for process exit: no awaiting possible there. */
export function killAllChildrenNow(): void {
  for (const c of live) {
    try {
      if (c.pid) process.kill(c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} (after ${ms} ms)`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * Child side: answers requests with `handlers` and exits when the parent goes away, so a killed
 * harness never leaves a server or a load worker behind.
 */
export function serveRpc<M extends MethodMap<M>>(
  handlers: { [K in keyof M]: (params: Param<M[K]>) => Promise<Result<M[K]>> | Result<M[K]> },
  opts: { exitAfter?: (keyof M & string)[] } = {},
): void {
  if (!process.send) throw new Error("this script runs as a forked child of bench/run.ts");
  const send = (msg: Response | Ready, then?: () => void) => process.send?.(msg, undefined, {}, () => then?.());
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => undefined); // the parent decides; ctrl-C reaches the whole group
  process.on("message", (raw) => {
    const req = raw as Request;
    if (req?.t !== "req") return;
    const fn = (handlers as Record<string, (p: unknown) => unknown>)[req.method];
    if (!fn) return send({ t: "res", id: req.id, ok: false, error: `unknown method ${req.method}` });
    Promise.resolve()
      .then(() => fn(req.params))
      .then(
        // Exiting from the send callback lets the reply leave first (and --cpu-prof write its file).
        (result) => send({ t: "res", id: req.id, ok: true, result }, opts.exitAfter?.includes(req.method as keyof M & string) ? () => process.exit(0) : undefined),
        (err: unknown) => send({ t: "res", id: req.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  send({ t: "ready" });
}
