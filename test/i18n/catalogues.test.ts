// Every shipped catalogue has every English key, with the same placeholders and plural
// arguments (a plural must keep its `other` case); the formatter picks plural forms by language;
// a missing key falls back to English in the widget, never to the raw key.
import { describe, expect, it } from "vitest";
import { consoleTranslations } from "../../console/i18n/catalogues.ts";
import { en as consoleEn } from "../../console/i18n/en.ts";
import { timeAgo } from "../../console/lib/format.ts";
import { widgetCatalogues } from "../../widget/app/i18n/catalogues.ts";
import { en as appEn } from "../../widget/app/i18n/en.ts";
import { t, useCatalogue, useOverrides } from "../../widget/app/i18n/t.ts";
import { en as loaderEn } from "../../widget/loader/i18n/en.ts";
import { LOCALES, acceptLanguages, negotiate } from "../../widget/shared/locales.ts";
import { formatMessage, messageArguments } from "../../widget/shared/message-format.ts";

/** what is wrong with `catalogue` against English: missing keys, unknown keys, other arguments */
function catalogueProblems(reference: Record<string, string>, catalogue: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  for (const [key, english] of Object.entries(reference)) {
    const text = catalogue[key];
    if (text === undefined || text.trim() === "") {
      problems.push(`missing "${key}"`);
      continue;
    }
    const want = messageArguments(english);
    const got = messageArguments(text);
    if (JSON.stringify(want) !== JSON.stringify(got)) problems.push(`"${key}" has ${JSON.stringify(got)}, English has ${JSON.stringify(want)}`);
    if (/plural,/.test(text) && !/\bother\s*\{/.test(text)) problems.push(`"${key}" has a plural without an "other" case`);
  }
  for (const key of Object.keys(catalogue)) if (!(key in reference)) problems.push(`unknown key "${key}"`);
  return problems;
}

describe("widget catalogues", () => {
  it("ships every locale", () => {
    expect(Object.keys(widgetCatalogues).sort()).toEqual([...LOCALES].sort());
  });

  for (const locale of LOCALES) {
    it(`${locale}: every English key with the same placeholders (app and launcher)`, () => {
      const c = widgetCatalogues[locale];
      expect(catalogueProblems(appEn, c.app)).toEqual([]);
      expect(catalogueProblems(loaderEn, c.loader)).toEqual([]);
      // The launcher's formatter fills {placeholders} only.
      for (const text of Object.values(c.loader)) expect(text).not.toMatch(/plural,/);
    });
  }

  it("reports a missing key, a lost placeholder and a changed plural argument", () => {
    expect(catalogueProblems({ a: "A", b: "Hi {name}", c: "{n, plural, one {# x} other {# xs}}" }, { b: "Salut", c: "{m, plural, one {# x} other {# xs}}", z: "?" })).toEqual([
      'missing "a"',
      '"b" has {"plain":[],"plural":[]}, English has {"plain":["name"],"plural":[]}',
      '"c" has {"plain":[],"plural":["m"]}, English has {"plain":[],"plural":["n"]}',
      'unknown key "z"',
    ]);
  });

  it("a key a translation lacks shows in English, and a site's override wins", () => {
    try {
      useCatalogue({ send: "Envoyer" }, "fr");
      expect(t("send")).toBe("Envoyer");
      expect(t("end")).toBe("End chat");
      useOverrides({ send: "Go!" });
      expect(t("send")).toBe("Go!");
    } finally {
      useCatalogue({}, "en");
      useOverrides({});
    }
  });
});

describe("console catalogues", () => {
  it("ships every locale", () => {
    expect(Object.keys(consoleTranslations).sort()).toEqual([...LOCALES].sort());
  });

  for (const locale of LOCALES) {
    it(`${locale}: every English key with the same placeholders`, () => {
      expect(catalogueProblems(consoleEn, consoleTranslations[locale])).toEqual([]);
    });
  }

  it("says how long ago through Intl.RelativeTimeFormat, in the language asked for", () => {
    const now = Date.parse("2026-01-01T12:00:00Z");
    expect(timeAgo("2026-01-01T11:57:00Z", now, "en")).toBe("3 minutes ago");
    expect(timeAgo("2026-01-01T11:57:00Z", now, "fr")).toBe("il y a 3 minutes");
    expect(timeAgo("2026-01-01T09:00:00Z", now, "de")).toBe("vor 3 Stunden");
    expect(timeAgo("2026-01-01T11:59:15Z", now, "ja")).toBe("45 秒前");
  });
});

describe("message format", () => {
  const wait = appEn.queueWait;
  it("fills placeholders and picks the plural form of the language", () => {
    expect(formatMessage("Hi {name}, {name}!", { name: "Ana" }, "en")).toBe("Hi Ana, Ana!");
    expect(formatMessage(wait, { minutes: 1 }, "en")).toBe("Estimated wait: about 1 minute.");
    expect(formatMessage(wait, { minutes: 3 }, "en")).toBe("Estimated wait: about 3 minutes.");
    expect(formatMessage(widgetCatalogues.fr.app.queueWait as string, { minutes: 1 }, "fr")).toBe("Attente estimée : environ 1 minute.");
    expect(formatMessage(widgetCatalogues.ar.app.queueWait as string, { minutes: 2 }, "ar")).toContain("دقيقتان");
    expect(formatMessage(widgetCatalogues.ar.app.queueWait as string, { minutes: 5 }, "ar")).toContain("دقائق");
    expect(formatMessage("{n, plural, =0 {none} one {# item} other {# items}}", { n: 0 }, "en")).toBe("none");
    expect(formatMessage("{n, plural, one {# item} other {# items}}", { n: 1234 }, "de")).toBe("1.234 items");
  });

  it("keeps a placeholder without a value visible", () => {
    expect(formatMessage("Hi {name}", {}, "en")).toBe("Hi {name}");
  });
});

describe("language negotiation", () => {
  it("takes the first language Parley speaks, by exact tag then by language", () => {
    expect(negotiate(["fr-FR", "en"])).toBe("fr");
    expect(negotiate(["xx", "ja-JP"])).toBe("ja");
    expect(negotiate(["pt-PT"])).toBe("pt-BR");
    expect(negotiate(["zh"])).toBe("zh-CN");
    expect(negotiate(["ar"])).toBe("ar");
    expect(negotiate(["nl", "sv"])).toBe("en");
    expect(negotiate([])).toBe("en");
  });

  it("reads Accept-Language by quality", () => {
    expect(acceptLanguages("en;q=0.5, ja-JP, fr;q=0.8, *;q=0.1, de;q=0")).toEqual(["ja-JP", "fr", "en"]);
    expect(acceptLanguages(undefined)).toEqual([]);
  });
});
