// Browser storage with an in-memory fallback: third-party storage may be blocked, and the chat
// must still work for this page view (it just will not survive a reload then).
export interface KeyValue {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

function memory(): KeyValue {
  const map = new Map<string, string>();
  return { get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v), remove: (k) => void map.delete(k) };
}

export function openStorage(kind: "localStorage" | "sessionStorage"): KeyValue {
  try {
    const s = window[kind];
    s.setItem("parley:probe", "1");
    s.removeItem("parley:probe");
    const fallback = memory();
    return {
      get: (k) => s.getItem(k) ?? fallback.get(k),
      set: (k, v) => {
        try {
          s.setItem(k, v);
        } catch {
          fallback.set(k, v); // quota or a policy change mid-session
        }
      },
      remove: (k) => {
        s.removeItem(k);
        fallback.remove(k);
      },
    };
  } catch {
    return memory();
  }
}

export function readJson<T>(store: KeyValue, key: string): T | null {
  try {
    const text = store.get(key);
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

/** Values kept in the host page's storage through the bridge, seeded with what the host had. */
export function hostStorage(initial: Record<string, string>, write: (key: string, value: string | null) => void): KeyValue {
  const map = new Map(Object.entries(initial));
  return {
    get: (k) => map.get(k) ?? null,
    set: (k, v) => {
      map.set(k, v);
      write(k, v);
    },
    remove: (k) => {
      map.delete(k);
      write(k, null);
    },
  };
}
