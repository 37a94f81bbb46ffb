// CSRF protection for cookie-authenticated writes: a custom header that a form or a plain
// cross-origin request cannot carry (it would need a CORS preflight, which Parley never allows),
// on top of SameSite cookies. Bearer-token calls carry no ambient credential and are exempt.
import type { NextFunction, Request, Response } from "express";
import { readCookie, SESSION_COOKIE } from "../auth/sessions.ts";
import { CSRF_HEADER } from "../protocol.ts";
import { sendError } from "./routes-kit.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
/** routes that hand out or drop a session: guarded even without a cookie (login CSRF) */
const SESSION_ROUTES = new Set(["/auth/login", "/auth/logout", "/setup"]);

export function csrfGuard() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.headers.authorization?.startsWith("Bearer ")) return next();
    const cookieAuthenticated = readCookie(req.headers.cookie, SESSION_COOKIE) !== undefined;
    if (!cookieAuthenticated && !SESSION_ROUTES.has(req.path)) return next();
    if (req.get(CSRF_HEADER) === "1") return next();
    sendError(res, "forbidden", "Missing the X-Parley-CSRF: 1 header");
  };
}
