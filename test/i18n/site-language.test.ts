// A site's language and its own widget wording through the admin API (validated: bad input
// changes nothing), the launcher's strings the widget config hands out per browser language, and
// the agent's console language in their profile.
import { afterEach, describe, expect, it } from "vitest";
import type { ErrorResponse, SiteDto, WidgetConfigDto } from "../../server/protocol.ts";
import { closeAllClients, login } from "../helpers/clients.ts";
import { api } from "../helpers/http.ts";
import { addAgent, addSite, startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  closeAllClients();
  await server?.close();
  server = undefined;
});

async function config(s: TestServer, key: string, acceptLanguage?: string): Promise<Extract<WidgetConfigDto, { enabled: true }>> {
  const res = await fetch(`${s.url}/api/v1/widget/config/${key}`, { headers: { origin: "https://shop.example", ...(acceptLanguage ? { "accept-language": acceptLanguage } : {}) } });
  const body = (await res.json()) as WidgetConfigDto;
  if (!body.enabled) throw new Error(body.message);
  return body;
}

describe("site language settings", () => {
  it("the launcher speaks the browser's language, or the site's fixed one, with the site's wording", async () => {
    server = await startServer();
    await addAgent(server, { email: "root@example.com", name: "Root", role: "admin" });
    const admin = (await login(server, "root@example.com")).cookie;
    const site = await addSite(server, "Shop", ["https://shop.example"]);

    expect(await config(server, site.key)).toMatchObject({ locale: "en", rtl: false, text: { open: "Open chat" } });
    expect(await config(server, site.key, "ar,en;q=0.5")).toMatchObject({ locale: "ar", rtl: true, text: { open: "فتح المحادثة" } });
    expect(await config(server, site.key, "nl-NL, ja;q=0.9")).toMatchObject({ locale: "ja", text: { close: "チャットを閉じる" } });

    const patched = await api<SiteDto>(server, "PATCH", `/api/v1/admin/sites/${site.id}`, { cookie: admin, body: { settings: { language: "es", strings: { open: "¿Dudas?", end: "Adiós" } } } });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toMatchObject({ language: "es", strings: { open: "¿Dudas?", end: "Adiós" } });
    expect(await config(server, site.key, "ar")).toMatchObject({ locale: "es", rtl: false, text: { open: "¿Dudas?", close: "Cerrar chat" } });

    const bad = [
      { language: "xx" },
      { language: "auto-detect" },
      { strings: { notAKey: "x" } },
      { strings: { open: "" } },
      { strings: { open: "x".repeat(301) } },
      { strings: { open: 42 } },
      { strings: "open" },
    ];
    for (const settings of bad) {
      const res = await api<ErrorResponse>(server, "PATCH", `/api/v1/admin/sites/${site.id}`, { cookie: admin, body: { settings } });
      expect([JSON.stringify(settings), res.status, res.body.error.code]).toEqual([JSON.stringify(settings), 400, "bad_request"]);
    }
    const after = await api<SiteDto>(server, "GET", `/api/v1/admin/sites/${site.id}`, { cookie: admin });
    expect(after.body.settings).toMatchObject({ language: "es", strings: { open: "¿Dudas?", end: "Adiós" } });
  });
});

describe("agent console language", () => {
  it("is null (the browser's) until the agent picks one; only shipped languages are taken; each agent has their own", async () => {
    server = await startServer();
    await addAgent(server, { email: "ana@example.com", name: "Ana" });
    await addAgent(server, { email: "bo@example.com", name: "Bo" });
    const ana = (await login(server, "ana@example.com")).cookie;
    const bo = (await login(server, "bo@example.com")).cookie;
    expect((await api(server, "GET", "/api/v1/profile", { cookie: ana })).body).toEqual({ language: null });
    expect((await api(server, "PATCH", "/api/v1/profile", { cookie: ana, body: { language: "pt-BR" } })).body).toEqual({ language: "pt-BR" });
    for (const body of [{ language: "pt" }, { language: "xx" }, { language: 3 }, {}, { language: "fr", extra: 1 }]) {
      const res = await api<ErrorResponse>(server, "PATCH", "/api/v1/profile", { cookie: ana, body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([JSON.stringify(body), 400, "bad_request"]);
    }
    expect((await api(server, "GET", "/api/v1/profile", { cookie: ana })).body).toEqual({ language: "pt-BR" });
    expect((await api(server, "GET", "/api/v1/profile", { cookie: bo })).body).toEqual({ language: null });
    expect((await api(server, "PATCH", "/api/v1/profile", { cookie: ana, body: { language: null } })).body).toEqual({ language: null });
    expect((await api(server, "GET", "/api/v1/profile")).status).toBe(401);
  });
});
