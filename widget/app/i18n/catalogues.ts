// Every shipped catalogue in one place, for the server (the launcher's strings) and the tests.
// The widget itself never imports this: it loads one language's built file on demand.
import type { LoaderCatalogue } from "../../loader/i18n/en.ts";
import { en as loaderEn } from "../../loader/i18n/en.ts";
import * as ar from "./ar.ts";
import * as de from "./de.ts";
import { en, type Catalogue } from "./en.ts";
import * as es from "./es.ts";
import * as fr from "./fr.ts";
import * as ja from "./ja.ts";
import * as ptBR from "./pt-BR.ts";
import * as zhCN from "./zh-CN.ts";

export interface WidgetCatalogues {
  app: Partial<Catalogue>;
  loader: Partial<LoaderCatalogue>;
}

export const widgetCatalogues: Record<string, WidgetCatalogues> = {
  en: { app: en, loader: loaderEn },
  fr: { app: fr.default, loader: fr.loader },
  de: { app: de.default, loader: de.loader },
  es: { app: es.default, loader: es.loader },
  "pt-BR": { app: ptBR.default, loader: ptBR.loader },
  "zh-CN": { app: zhCN.default, loader: zhCN.loader },
  ja: { app: ja.default, loader: ja.loader },
  ar: { app: ar.default, loader: ar.loader },
};
