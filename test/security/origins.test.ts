// Origin checks that a browser cannot get around with a missing or chosen Origin/Referer. A page
// cannot forge either header; what it can do is make requests that carry no Origin (an <img>,
// a <script>, a sandboxed frame's "null") or choose which Referer to leak. Only Parley's own
// same-origin requests may go without Origin: the widget iframe's long-polling handshake.
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { addSite, startServer, type TestServer } from "../helpers/server.ts";
import { closeAllClients, handshakeOutcome } from "../helpers/clients.ts";

let server: TestServer;
let siteKey: string;
const ALLOWED = "https://shop.example";

beforeEach(async () => {
  server = await startServer();
  siteKey = (await addSite(server, "Shop", [ALLOWED])).key;
});
afterEach(async () => {
  closeAllClients();
  await server?.close();
});

/** A handshake with exactly these headers: "connected" or the refusal's code. */
const handshake = (nsp: "/visitor" | "/agent", headers: Record<string, string>, transport: "polling" | "websocket" = "polling") =>
  handshakeOutcome(server, nsp, { siteKey }, headers, transport);

describe("the /visitor handshake", () => {
  test("without Origin only a Referer of Parley's own pages counts", async () => {
    expect(await handshake("/visitor", { referer: `${server.url}/widget/frame/${siteKey}` })).toBe("connected");
    // an allowed site's page cannot open a readable request without Origin: this is not a browser
    expect(await handshake("/visitor", { referer: `${ALLOWED}/cart` })).toBe("forbidden");
    expect(await handshake("/visitor", { referer: "https://evil.example/" })).toBe("forbidden");
    expect(await handshake("/visitor", { referer: "not a url" })).toBe("forbidden");
    expect(await handshake("/visitor", {})).toBe("forbidden");
  });

  test("an Origin always wins over the Referer, and 'null' is no origin", async () => {
    expect(await handshake("/visitor", { origin: ALLOWED })).toBe("connected");
    expect(await handshake("/visitor", { origin: "https://evil.example", referer: `${server.url}/widget/frame/${siteKey}` })).toBe("forbidden");
    expect(await handshake("/visitor", { origin: "null", referer: `${server.url}/widget/frame/${siteKey}` })).toBe("forbidden");
    expect(await handshake("/visitor", { origin: "null", referer: `${ALLOWED}/` })).toBe("forbidden");
    // look-alikes of an allowed origin
    for (const origin of [`${ALLOWED}.evil.example`, "http://shop.example", "https://shop.example:8443", "https://xshop.example"]) {
      expect({ origin, code: await handshake("/visitor", { origin }, "websocket") }).toEqual({ origin, code: "forbidden" });
    }
  });
});

describe("the widget config over HTTP", () => {
  const config = (headers: Record<string, string>) =>
    fetch(`${server.url}/api/v1/widget/config/${siteKey}`, { headers }).then((r) => r.json() as Promise<{ enabled: boolean; code?: string }>);

  test("the same rule: Origin, or a Referer of Parley itself", async () => {
    expect(await config({ origin: ALLOWED })).toMatchObject({ enabled: true });
    expect(await config({ referer: `${server.url}/demo` })).toMatchObject({ enabled: true });
    expect(await config({ referer: `${ALLOWED}/cart` })).toMatchObject({ enabled: false, code: "forbidden" });
    expect(await config({ origin: "null", referer: `${server.url}/demo` })).toMatchObject({ enabled: false, code: "forbidden" });
  });
});

describe("the /agent handshake", () => {
  test("refuses other origins, 'null' included", async () => {
    for (const origin of ["https://evil.example", ALLOWED, "null"]) {
      expect({ origin, code: await handshake("/agent", { origin }) }).toEqual({ origin, code: "forbidden" });
    }
  });
});
