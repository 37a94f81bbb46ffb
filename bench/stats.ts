// Latency summaries and delivery accounting shared by the workers, the scenarios and the report.

/** Wall-clock ms with sub-ms resolution, comparable between the bench's processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a latency that really happened). */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i];
  return { count: n, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[n - 1], mean: sum / n };
}

export function concatSamples(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A scenario's books: anything sent must be received exactly once. */
export interface Delivery {
  sent: number;
  received: number;
  duplicates: number;
  lost: number;
  /** refused with an error ack (rate limit, validation ...): not lost, but an error */
  errors: number;
}

export const NO_DELIVERY: Delivery = { sent: 0, received: 0, duplicates: 0, lost: 0, errors: 0 };

export function addDelivery(a: Delivery, b: Delivery): Delivery {
  return { sent: a.sent + b.sent, received: a.received + b.received, duplicates: a.duplicates + b.duplicates, lost: a.lost + b.lost, errors: a.errors + b.errors };
}

/** Growing sample buffer without per-sample allocation. */
export class Samples {
  private buf = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }

  toArray(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}
