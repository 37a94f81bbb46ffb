// `node --import tsx bench/profile-top.ts FILE.cpuprofile [N]`: the N functions with the most
// self time in a V8 CPU profile (what `npm run bench -- --profile` writes), and self time summed
// per package / source directory, so a report can say where a server's CPU went.
import { readFileSync } from "node:fs";
import path from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Where a frame comes from: an npm package, a directory of ours, or the runtime. */
function origin(url: string): string {
  if (!url) return "(native/runtime)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith("node:")) return "node:" + url.slice(5).split("/")[0];
  const m = /\/(server|bench)\/(.*)$/.exec(url);
  if (m) return `${m[1]}/${path.dirname(m[2]) === "." ? path.basename(m[2]) : path.dirname(m[2])}`;
  return url;
}

export function topFunctions(profile: CpuProfile, n = 25): { total: number; functions: [string, number][]; origins: [string, number][] } {
  // Self time per node from the samples and their time deltas (µs).
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) self.set(samples[i], (self.get(samples[i]) ?? 0) + (deltas[i + 1] ?? deltas[i] ?? 0));
  const byFn = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    if (!t) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    total += t;
    const key = `${functionName || "(anonymous)"} ${url ? `${url.replace(/^.*?node_modules\//, "").replace(/^file:\/\/.*?\/(server|bench)\//, "$1/")}:${lineNumber + 1}` : ""}`.trim();
    byFn.set(key, (byFn.get(key) ?? 0) + t);
    const o = origin(url);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + t);
  }
  const sort = (m: Map<string, number>) => [...m.entries()].sort((a, b) => b[1] - a[1]);
  return { total, functions: sort(byFn).slice(0, n), origins: sort(byOrigin).slice(0, n) };
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: node --import tsx bench/profile-top.ts FILE.cpuprofile [N]\n");
    process.exit(2);
  }
  const { total, functions, origins } = topFunctions(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, Number(process.argv[3] ?? 25));
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  process.stdout.write(`busy (non-idle) CPU: ${(total / 1e6).toFixed(2)} s\n\nself time by origin:\n`);
  for (const [k, t] of origins) process.stdout.write(`${pct(t)}  ${k}\n`);
  process.stdout.write(`\ntop functions by self time:\n`);
  for (const [k, t] of functions) process.stdout.write(`${pct(t)}  ${k}\n`);
}
