// Server error codes to sentences an agent understands (the server's own message is for logs).
import { t, type MessageKey } from "../i18n/t.ts";
import { ApiError } from "./http.ts";
import { RequestError } from "./socket.ts";

export function errorText(err: unknown): string {
  const code = err instanceof ApiError || err instanceof RequestError ? err.code : "internal";
  const key = `error.${code}` as MessageKey;
  const detail = err instanceof ApiError && err.code === "bad_request" ? err.message : "";
  return detail ? t("error.bad_request.detail", { detail }) : t(key);
}
