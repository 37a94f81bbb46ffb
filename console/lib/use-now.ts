import { useEffect, useState } from "preact/hooks";

/** Re-renders every `ms` so relative times (waiting for 3m) stay current. */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}
