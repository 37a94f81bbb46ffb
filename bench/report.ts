// Scenario results, the markdown tables printed at the end, and the JSON written to
// bench/results/.
import type { Delivery } from "./stats.ts";
import type { ScenarioName } from "./options.ts";

export interface MetricRow {
  metric: string;
  unit: string;
  parley: number | null;
  baseline: number | null;
  /** parley / baseline, when both exist and the ratio means something */
  ratio: number | null;
  target: string | null;
  /** null: no target for this row, or not measurable at this size */
  met: boolean | null;
}

export interface ScenarioResult {
  name: ScenarioName;
  /** what the baseline was, in words */
  baseline: string;
  rows: MetricRow[];
  /** null where no messages or clients are counted (widget) */
  delivery: Delivery | null;
  /** anything that makes the run a failure: lost or doubled messages, errors, crashes */
  failures: string[];
  /** why the scenario did not run, when it did not */
  skipped: string | null;
  details: Record<string, unknown>;
  seconds: number;
}

/** What a scenario function returns; the runner adds the name and the time it took. */
export type ScenarioOutcome = Omit<ScenarioResult, "name" | "seconds">;

export function row(metric: string, unit: string, parley: number | null, baseline: number | null, target: string | null = null, met: boolean | null = null, ratio?: number | null): MetricRow {
  const r = ratio !== undefined ? ratio : parley !== null && baseline !== null && baseline !== 0 && Number.isFinite(parley / baseline) ? parley / baseline : null;
  return { metric, unit, parley, baseline, ratio: r, target, met };
}

function fmt(v: number | null, unit = ""): string {
  if (v === null || Number.isNaN(v)) return "–";
  const abs = Math.abs(v);
  const n = abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
  return unit ? `${n} ${unit}` : n;
}

export function markdown(results: ScenarioResult[], header: string): string {
  const lines: string[] = [header, "", "| Scenario | Metric | Parley | Baseline | Ratio | Target | Met |", "|---|---|---:|---:|---:|---|---|"];
  for (const r of results) {
    if (r.skipped) {
      lines.push(`| ${r.name} | skipped: ${r.skipped} | | | | | |`);
      continue;
    }
    for (const m of r.rows) {
      const met = m.met === null ? "" : m.met ? "yes" : "**no**";
      lines.push(`| ${r.name} | ${m.metric} | ${fmt(m.parley, m.unit)} | ${fmt(m.baseline, m.unit)} | ${m.ratio === null ? "–" : `${fmt(m.ratio)}×`} | ${m.target ?? ""} | ${met} |`);
    }
  }
  lines.push("", "| Scenario | Baseline | Parley sent | received | duplicates | lost | errors | Verdict | Time |", "|---|---|---:|---:|---:|---:|---:|---|---:|");
  for (const r of results) {
    const d = r.delivery;
    const verdict = r.skipped ? "skipped" : r.failures.length ? `**FAILED**: ${r.failures.join("; ")}` : "ok";
    lines.push(
      `| ${r.name} | ${r.baseline} | ${d ? d.sent : "–"} | ${d ? d.received : "–"} | ${d ? d.duplicates : "–"} | ${d ? d.lost : "–"} | ${d ? d.errors : "–"} | ${verdict} | ${r.seconds.toFixed(0)} s |`,
    );
  }
  return lines.join("\n");
}

/** Typed arrays become plain arrays and NaN/Infinity become null, so the JSON parses anywhere. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as Float64Array);
      if (typeof v === "number" && !Number.isFinite(v)) return null;
      return v;
    },
    2,
  );
}
