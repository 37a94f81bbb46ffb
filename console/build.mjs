// Builds the agent console into dist/console: one hashed script, one hashed stylesheet and an
// index.html that only links them (no inline script, nothing that needs eval), so the server's
// strict Content-Security-Policy applies as is.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

export default async function buildConsole({ root, outDir }) {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: path.join(root, "console/main.tsx") },
    bundle: true,
    format: "esm",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    minify: true,
    sourcemap: true,
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: path.join(outDir, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.relative(outDir, f).split(path.sep).join("/"));
  const js = outputs.find((f) => f.endsWith(".js"));
  const css = outputs.find((f) => f.endsWith(".css"));
  if (!js || !css) throw new Error("console build: missing script or stylesheet output");
  // Absolute URLs: index.html is also served for deep links such as /console/history.
  writeFileSync(
    path.join(outDir, "index.html"),
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parley</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/${css}">
<script type="module" src="/console/${js}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Parley console needs JavaScript.</noscript>
</body>
</html>
`,
  );
}
