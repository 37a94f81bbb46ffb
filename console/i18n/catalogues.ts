// Every console catalogue. The console bundles them all (it is an app for staff, not a widget on
// someone else's page), and t() picks the agent's one.
import type { Locale } from "../../widget/shared/locales.ts";
import { ar } from "./ar.ts";
import { de } from "./de.ts";
import { en, type Catalogue } from "./en.ts";
import { es } from "./es.ts";
import { fr } from "./fr.ts";
import { ja } from "./ja.ts";
import { ptBR } from "./pt-BR.ts";
import { zhCN } from "./zh-CN.ts";

export type { Catalogue };

const withEnglish = (c: Partial<Catalogue>): Catalogue => ({ ...en, ...c });

export const consoleTranslations: Record<Locale, Partial<Catalogue>> = { en, fr, de, es, "pt-BR": ptBR, "zh-CN": zhCN, ja, ar };

/** each language completed with English for any key it lacks */
export const consoleCatalogues = Object.fromEntries(Object.entries(consoleTranslations).map(([l, c]) => [l, withEnglish(c)])) as Record<Locale, Catalogue>;
