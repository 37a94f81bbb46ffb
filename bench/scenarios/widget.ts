import type { Harness } from "../harness.ts";
import type { ScenarioOutcome } from "../report.ts";
export async function widget(_h: Harness): Promise<ScenarioOutcome> {
  return { baseline: "", rows: [], delivery: null, failures: [], skipped: "not written yet", details: {} };
}
