// Loads the attachment code (attach-chunk.tsx) on first need, and hands it what it shares with
// the app: Preact (hooks keep their state in one instance) and the catalogue functions.
import { Fragment, jsx, jsxs } from "preact/jsx-runtime";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { AttachmentDto } from "../../../server/protocol.ts";
import { currentLocale, t } from "../i18n/t.ts";
import type { AttachKit } from "./attach-chunk.tsx";
import type { LoadFile } from "./attachment.tsx";

/** the chunk's hashed file name, set by widget/build.mjs */
declare const __ATTACH_JS__: string;

let loading: Promise<AttachKit> | undefined;
let loaded: AttachKit | null = null;

export const attachKit = (): AttachKit | null => loaded;

export function loadAttach(): Promise<AttachKit> {
  loading ??= new Promise<AttachKit>((resolve, reject) => {
    const w = self as unknown as { parleyShared?: Record<string, object>; parleyAttach?: (k: AttachKit) => void };
    // Every import the chunk makes of these resolves here (build.mjs maps them).
    w.parleyShared = {
      "preact/jsx-runtime": { Fragment, jsx, jsxs },
      "preact/hooks": { useEffect, useLayoutEffect, useRef, useState },
      t: { currentLocale, t },
    };
    w.parleyAttach = (k) => resolve((loaded = k));
    const script = document.createElement("script");
    script.src = "/widget/" + __ATTACH_JS__;
    script.onerror = () => {
      // A later need tries again (a passing network failure).
      loading = undefined;
      script.remove();
      reject(new Error("the attachment code did not load"));
    };
    document.head.appendChild(script);
  });
  return loading;
}

/**
 * The kit once loaded, and a function that asks for it (again after a failed load); `eager`
 * asks at once.
 */
export function useAttachKit(eager: boolean): [AttachKit | null, () => void] {
  const [kit, setKit] = useState(loaded);
  const request = () => void loadAttach().then(setKit, () => undefined);
  useEffect(() => {
    if (eager && !kit) request();
  }, []);
  return [kit, request];
}

/** A message's files: their names at once, then thumbnails, players and cards once the code is in. */
export function Files({ list, load }: { list: readonly AttachmentDto[]; load: LoadFile }) {
  const [kit] = useAttachKit(true);
  if (kit) return <kit.Attachments list={list} load={load} />;
  return (
    <ul class="at">
      {list.map((a) => (
        <li key={a.id} class="fc fn" dir="auto">
          {a.name}
        </li>
      ))}
    </ul>
  );
}
