// t(key, params): the active catalogue's string with its {placeholders} filled. English is built
// in; another language is installed with useCatalogue() once its module has loaded, so a page
// only ever downloads the one catalogue it shows.
import { format, type Params } from "../../shared/format.ts";
import { en, type Catalogue, type MessageKey } from "./en.ts";

let active: Catalogue = en;

export function useCatalogue(catalogue: Partial<Catalogue>): void {
  // Keys a translation lacks fall back to English rather than showing a raw key.
  active = { ...en, ...catalogue };
}

export function t(key: MessageKey, params?: Params): string {
  return format(active[key], params);
}
