// JSON calls to Parley's HTTP API. Writes carry the CSRF header the server requires on
// cookie-authenticated requests; errors come back as ApiError with the server's stable code.
import type { ErrorCode, ErrorResponse } from "../../server/protocol.ts";

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | "network",
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export async function apiCall<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") headers["x-parley-csrf"] = "1";
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError("network", "", 0);
  }
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const err = (data as ErrorResponse | null)?.error;
    throw new ApiError(err?.code ?? "internal", err?.message ?? "", res.status);
  }
  return data as T;
}

export const get = <T>(path: string) => apiCall<T>("GET", path);
export const post = <T>(path: string, body?: unknown) => apiCall<T>("POST", path, body ?? {});
export const patch = <T>(path: string, body: unknown) => apiCall<T>("PATCH", path, body);
export const del = <T>(path: string) => apiCall<T>("DELETE", path);

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
