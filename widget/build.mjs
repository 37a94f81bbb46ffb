// Builds the widget into dist/widget (called by scripts/build.mjs):
//   widget.js              the loader sites embed (stable name, short cache)
//   app.<hash>.js/.css     the chat app the iframe page loads (hashed: cached for good)
//   attach.<hash>.js       the attachment code, loaded by the app only when a chat needs it
//   catalogue.<locale>.<hash>.js  one language's strings, loaded by the app only when it shows it
//   manifest.json          which hashed files are current (read by the server)
//   *.gz                   gzip copies, served to browsers that accept gzip
// Production builds are minified and drop everything behind `if (__DEV__)`;
// PARLEY_WIDGET_DEV=1 builds readable files with source maps and the dev-only code kept.
import { build, transform } from "esbuild";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";

/** Browsers the widget supports; esbuild lowers newer syntax for them. */
export const TARGETS = ["es2020", "chrome87", "firefox78", "safari15"];

export default async function buildWidget({ root, outDir, dev = process.env.PARLEY_WIDGET_DEV === "1" }) {
  mkdirSync(outDir, { recursive: true });
  const common = {
    bundle: true,
    minify: !dev,
    sourcemap: dev ? "inline" : false,
    target: TARGETS,
    define: { __DEV__: String(dev) },
    drop: dev ? [] : ["debugger"],
    legalComments: "none",
    charset: "utf8",
    logLevel: "warning",
  };
  // The launcher's CSS lives in the loader (one request), minified like any stylesheet.
  const launcherCss = await transform(readFileSync(path.join(root, "widget/loader/launcher.css"), "utf8"), { loader: "css", minify: !dev, target: TARGETS });
  await build({
    ...common,
    define: { ...common.define, __LAUNCHER_CSS__: JSON.stringify(launcherCss.code.trim()) },
    entryPoints: [path.join(root, "widget/loader/index.ts")],
    outfile: path.join(outDir, "widget.js"),
    format: "iife",
  });
  // The chat app and its on-demand attachment code: Preact, hashed names, a metafile to read them.
  const preactApp = { ...common, outdir: outDir, entryNames: "[name].[hash]", format: "iife", jsx: "automatic", jsxImportSource: "preact", metafile: true };
  const attach = await buildAttachChunk(root, preactApp);
  const app = await build({
    ...preactApp,
    define: { ...common.define, __ATTACH_JS__: JSON.stringify(attach) },
    entryPoints: { app: path.join(root, "widget/app/main.tsx") },
  });
  const outputs = Object.keys(app.metafile.outputs).map((f) => path.basename(f));
  const manifest = { app: { js: outputs.find((f) => f.endsWith(".js")), css: outputs.find((f) => f.endsWith(".css")) }, attach };
  if (!manifest.app.js || !manifest.app.css) throw new Error("widget build: the app bundle or its CSS is missing");

  manifest.catalogues = await buildCatalogues(root, outDir, common);

  const keep = new Set(["widget.js", manifest.app.js, manifest.app.css, attach, "manifest.json", ...Object.values(manifest.catalogues)]);
  for (const f of keep) {
    if (f !== "manifest.json") writeFileSync(path.join(outDir, f + ".gz"), gzipSync(readFileSync(path.join(outDir, f)), { level: 9 }));
  }
  writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  // Old hashed files go only now that the manifest (which a running server reads) names the new ones.
  for (const f of readdirSync(outDir)) {
    if (!keep.has(f.endsWith(".gz") ? f.slice(0, -3) : f)) rmSync(path.join(outDir, f), { force: true });
  }
  return manifest;
}

/**
 * The attachment code as a script of its own (widget/app/ui/attach-chunk.tsx). It must use the
 * app's Preact and catalogue, not copies (hooks and the active language live in one instance), so
 * those imports resolve to what the app hands over in `self.parleyShared` (attach-loader.tsx).
 * Returns the file name.
 */
async function buildAttachChunk(root, preactApp) {
  const shared = { "preact/jsx-runtime": "preact/jsx-runtime", "preact/hooks": "preact/hooks", [path.join(root, "widget/app/i18n/t.ts")]: "t" };
  const result = await build({
    ...preactApp,
    entryPoints: { attach: path.join(root, "widget/app/ui/attach-chunk.tsx") },
    plugins: [
      {
        name: "shared-with-app",
        setup(b) {
          b.onResolve({ filter: /^preact(\/|$)|\/i18n\/t\.ts$/ }, (args) => {
            const key = shared[args.path.startsWith("preact") ? args.path : path.resolve(args.resolveDir, args.path)];
            // A second Preact would break hooks silently: anything not handed over is an error.
            if (!key) return { errors: [{ text: `attach chunk: ${args.path} is not shared with the app (add it to attach-loader.tsx and build.mjs)` }] };
            return { path: key, namespace: "shared" };
          });
          b.onLoad({ filter: /.*/, namespace: "shared" }, (args) => ({ loader: "js", contents: `module.exports = self.parleyShared[${JSON.stringify(args.path)}];` }));
        },
      },
    ],
  });
  const file = Object.keys(result.metafile.outputs).find((f) => f.endsWith(".js"));
  if (!file) throw new Error("widget build: the attachment chunk is missing");
  return path.basename(file);
}

/**
 * One small script per language (English is built into the app): it hands the app's and the
 * launcher's strings to the app, which loads only the one it shows. Returns locale → file name.
 */
async function buildCatalogues(root, outDir, common) {
  const dir = path.join(root, "widget/app/i18n");
  const locales = readdirSync(dir).filter((f) => /^[a-z]{2,3}(-[A-Z]{2})?\.ts$/.test(f) && f !== "en.ts").map((f) => f.slice(0, -3));
  const result = await build({
    ...common,
    entryPoints: Object.fromEntries(locales.map((l) => ["catalogue." + l, "catalogue:" + l])),
    outdir: outDir,
    entryNames: "[name].[hash]",
    format: "iife",
    metafile: true,
    plugins: [
      {
        name: "catalogue",
        setup(b) {
          b.onResolve({ filter: /^catalogue:/ }, (args) => ({ path: args.path.slice("catalogue:".length), namespace: "catalogue" }));
          b.onLoad({ filter: /.*/, namespace: "catalogue" }, (args) => ({
            resolveDir: dir,
            loader: "ts",
            contents:
              `import app, { loader } from ${JSON.stringify(path.join(dir, args.path + ".ts"))};\n` +
              `const take = (self as unknown as { parleyCatalogue?: (l: string, a: object, b: object) => void }).parleyCatalogue;\n` +
              `if (take) take(${JSON.stringify(args.path)}, app, loader);\n`,
          }));
        },
      },
    ],
  });
  const catalogues = {};
  for (const [file, out] of Object.entries(result.metafile.outputs)) {
    const locale = out.entryPoint && out.entryPoint.replace(/^catalogue:/, "");
    if (locale) catalogues[locale] = path.basename(file);
  }
  return catalogues;
}
