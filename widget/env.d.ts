// Build-time constant: true in development builds only; esbuild replaces it, and minification
// removes the code it guards from production files.
declare const __DEV__: boolean;
/** widget/loader/launcher.css, minified, inlined into the loader by widget/build.mjs */
declare const __LAUNCHER_CSS__: string;
