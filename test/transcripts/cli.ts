// Runs the real `parley` command (bin/parley.js) in a child process, optionally on a
// pseudo-terminal, and collects what it printed.
import { spawn } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

export function parley(args: string[], env: Record<string, string>, opts: { tty?: boolean } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const command = opts.tty ? "script" : process.execPath;
  // `script` runs the command on a pseudo-terminal, as a person at a shell would.
  const argv = opts.tty ? ["-qec", [process.execPath, "bin/parley.js", ...args].map((a) => `'${a}'`).join(" "), "/dev/null"] : ["bin/parley.js", ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "error", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}
