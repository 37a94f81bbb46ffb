// Loads one language's built catalogue (catalogue.<locale>.<hash>.js, a script served by Parley
// like the app itself, so the iframe's CSP needs nothing new). The script hands its strings to
// self.parleyCatalogue.
import type { LoaderTextDto } from "../../../server/protocol.ts";
import type { Catalogue } from "./en.ts";

export interface Loaded {
  app: Partial<Catalogue>;
  loader: Partial<LoaderTextDto>;
}

type Take = (locale: string, app: Partial<Catalogue>, loader: Partial<LoaderTextDto>) => void;

const waiting = new Map<string, (loaded: Loaded) => void>();
const done = new Map<string, Promise<Loaded | null>>();

(self as unknown as { parleyCatalogue: Take }).parleyCatalogue = (locale, app, loader) => waiting.get(locale)?.({ app, loader });

/** null when the file is missing or fails to load: the caller stays in (or falls back to) English */
export function loadCatalogue(locale: string, files: Record<string, string>): Promise<Loaded | null> {
  const file = files[locale];
  if (!file) return Promise.resolve(null);
  let p = done.get(locale);
  if (!p) {
    p = new Promise<Loaded | null>((resolve) => {
      waiting.set(locale, resolve);
      const script = document.createElement("script");
      script.src = "/widget/" + file;
      script.onerror = () => {
        done.delete(locale);
        resolve(null);
      };
      document.head.appendChild(script);
    });
    done.set(locale, p);
  }
  return p;
}
