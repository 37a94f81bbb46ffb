// The OpenAPI 3.1 document served at /api/v1/openapi.json. The REST API's request and response
// schemas are generated from the zod schemas the routes use (rest-schemas.ts); the console's own
// routes are listed too (tag "console"), so the document names every route under /api/v1 and a
// test fails when one is missing: whoever adds a route under /api/v1 adds it here (REST for the
// public API, CONSOLE for the console's and widget's own).
import { z } from "zod";
import { API_RATE_BURST, API_RATE_PER_SECOND } from "./api-access.ts";
import * as s from "./rest-schemas.ts";

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output" = "output"): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ "application/json": { schema } });

const components: Record<string, z.ZodType> = {
  Error: s.errorResponse,
  Visitor: s.visitorDto,
  Conversation: s.apiConversationDto,
  Message: s.messageDto,
  WebhookEndpoint: s.webhookEndpointDto,
  CreatedWebhookEndpoint: s.createdWebhookEndpointDto,
  WebhookDelivery: s.webhookDeliveryDto,
  WebhookEnvelope: s.webhookEnvelope,
};

const ERRORS: Record<string, string> = {
  "400": "bad_request: the input failed validation (the message names the field)",
  "401": "unauthorized: no or an invalid/revoked token",
  "403": "forbidden: the token lacks the scope, or the session is not an admin's",
  "404": "not_found",
  "409": "conflict: the conversation is closed or changed meanwhile",
  "413": "too_large: the body is over 64 kB (attachments: over the site's maxBytes)",
  "415": "unsupported_type: the upload's sniffed content is not a type the site allows",
  "429": `rate_limited: more than ${API_RATE_BURST} requests at once or ${API_RATE_PER_SECOND}/s sustained per token`,
};

function errors(...codes: string[]): Json {
  return Object.fromEntries(codes.map((c) => [c, { description: ERRORS[c], content: json(ref("Error")) }]));
}

function queryParams(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const f = field as z.ZodType;
    return { name, in: "query", required: !f.safeParse(undefined).success, schema: schemaOf(f, "input") };
  });
}

function pathParams(path: string): Json[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
}

interface Op {
  summary: string;
  scope?: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: { status: string; description: string; schema?: Json };
  errors: string[];
  tag: string;
}

function operation(path: string, op: Op): Json {
  return {
    summary: op.summary,
    tags: [op.tag],
    ...(op.scope ? { security: [{ token: [op.scope] }, { session: [] }], description: `API token scope \`${op.scope}\`, or an admin's console session (writes then need the header X-Parley-CSRF: 1).` } : {}),
    parameters: [...pathParams(path), ...(op.query ? queryParams(op.query) : [])],
    ...(op.body ? { requestBody: { required: true, content: json(schemaOf(op.body, "input")) } } : {}),
    responses: { [op.ok.status]: { description: op.ok.description, ...(op.ok.schema ? { content: json(op.ok.schema) } : {}) }, ...errors(...op.errors) },
  };
}

const pageOf = (name: string) => ({ type: "object", required: ["data", "nextCursor"], properties: { data: { type: "array", items: ref(name) }, nextCursor: { type: ["string", "null"] } } });

const REST: Record<string, Record<string, Op>> = {
  "/conversations": {
    get: { tag: "conversations", summary: "List conversations, newest first", scope: "conversations:read", query: s.conversationListQuery, ok: { status: "200", description: "A page of conversations", schema: pageOf("Conversation") }, errors: ["400", "401", "403", "429"] },
  },
  "/conversations/{id}": {
    get: { tag: "conversations", summary: "One conversation", scope: "conversations:read", ok: { status: "200", description: "The conversation", schema: ref("Conversation") }, errors: ["400", "401", "403", "404", "429"] },
  },
  "/conversations/{id}/messages": {
    get: { tag: "conversations", summary: "A conversation's messages, in order", scope: "conversations:read", query: s.messageListQuery, ok: { status: "200", description: "A page of messages", schema: pageOf("Message") }, errors: ["400", "401", "403", "404", "429"] },
    post: {
      tag: "conversations",
      summary: "Post an agent message (bots, integrations); idempotent by clientId",
      scope: "conversations:write",
      body: s.postMessageBody,
      ok: { status: "201", description: "Stored (200 with the stored message when clientId was already used)", schema: ref("Message") },
      errors: ["400", "401", "403", "404", "409", "413", "429"],
    },
  },
  "/conversations/{id}/close": {
    post: { tag: "conversations", summary: "Close a conversation (closing a closed one is a no-op)", scope: "conversations:write", ok: { status: "200", description: "The closed conversation", schema: ref("Conversation") }, errors: ["400", "401", "403", "404", "409", "429"] },
  },
  "/webhooks": {
    get: { tag: "webhooks", summary: "List webhook endpoints", scope: "webhooks:read", ok: { status: "200", description: "Endpoints", schema: { type: "array", items: ref("WebhookEndpoint") } }, errors: ["401", "403", "429"] },
    post: { tag: "webhooks", summary: "Register a webhook endpoint (the secret is returned once)", scope: "webhooks:write", body: s.createWebhookBody, ok: { status: "201", description: "Created", schema: ref("CreatedWebhookEndpoint") }, errors: ["400", "401", "403", "413", "429"] },
  },
  "/webhooks/{id}": {
    get: { tag: "webhooks", summary: "One webhook endpoint", scope: "webhooks:read", ok: { status: "200", description: "The endpoint", schema: ref("WebhookEndpoint") }, errors: ["400", "401", "403", "404", "429"] },
    patch: { tag: "webhooks", summary: "Change a webhook endpoint", scope: "webhooks:write", body: s.updateWebhookBody, ok: { status: "200", description: "Updated", schema: ref("WebhookEndpoint") }, errors: ["400", "401", "403", "404", "413", "429"] },
    delete: { tag: "webhooks", summary: "Delete a webhook endpoint and its pending deliveries", scope: "webhooks:write", ok: { status: "204", description: "Deleted" }, errors: ["400", "401", "403", "404", "429"] },
  },
  "/webhooks/{id}/secret": {
    post: { tag: "webhooks", summary: "Rotate the signing secret (returned once)", scope: "webhooks:write", ok: { status: "200", description: "The endpoint with its new secret", schema: ref("CreatedWebhookEndpoint") }, errors: ["400", "401", "403", "404", "429"] },
  },
  "/webhooks/{id}/deliveries": {
    get: {
      tag: "webhooks",
      summary: "The endpoint's delivery log, newest first, with recent attempts",
      scope: "webhooks:read",
      query: s.deliveryListQuery,
      ok: { status: "200", description: "A page of deliveries", schema: { type: "object", required: ["items", "nextCursor"], properties: { items: { type: "array", items: ref("WebhookDelivery") }, nextCursor: { type: ["string", "null"] } } } },
      errors: ["400", "401", "403", "404", "429"],
    },
  },
  "/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
    post: {
      tag: "webhooks",
      summary: "Send the same event (same id) again, starting a new round of retries",
      scope: "webhooks:write",
      ok: { status: "202", description: "Queued", schema: { type: "object", required: ["id", "state"], properties: { id: { type: "string" }, state: { const: "pending" } } } },
      errors: ["400", "401", "403", "404", "429"],
    },
  },
};

/** The console's and widget's own routes: documented for completeness, not a stable API. */
const CONSOLE: Record<string, Record<string, string>> = {
  "/auth/login": { post: "Sign in (sets the session cookie)" },
  "/auth/logout": { post: "Sign out" },
  "/auth/me": { get: "The signed-in agent" },
  "/auth/password": { post: "Change my password" },
  "/profile": { get: "My console preferences", patch: "Change my console preferences (language)" },
  "/setup": { get: "Whether first-admin setup is open", post: "Create the first admin" },
  "/history": { get: "Closed conversations, filtered (console history)" },
  "/sites": { get: "Sites, for the console's filters" },
  "/canned-responses": { get: "Canned responses", post: "Add a canned response" },
  "/canned-responses/{id}": { patch: "Change a canned response", delete: "Delete a canned response" },
  "/conversations/{id}/transcript.txt": { options: "CORS preflight for the visitor's own plain-text transcript" },
  "/conversations/{id}/transcript.{format}": { get: "One transcript: json, csv, txt or html (token scope transcripts:read, agent, or the visitor for txt)" },
  "/transcripts/export": { get: "Bulk transcript export, streamed as NDJSON or CSV (transcripts:read)" },
  "/admin/sites": { get: "Sites (admin)", post: "Add a site (admin)" },
  "/admin/sites/{id}": { get: "One site (admin)", patch: "Change a site (admin)" },
  "/admin/sites/{id}/identity-secret": { post: "Rotate a site's identity secret (admin)" },
  "/admin/agents": { get: "Agents (admin)", post: "Invite an agent (admin)" },
  "/admin/agents/{id}": { patch: "Change or deactivate an agent (admin)" },
  "/admin/tokens": { get: "API tokens (admin)", post: "Create an API token, shown once (admin)" },
  "/admin/tokens/{id}": { delete: "Revoke an API token (admin)" },
  "/widget/config/{siteKey}": { get: "The widget's public configuration for a site", options: "CORS preflight for the widget's configuration" },
  "/openapi.json": { get: "This document" },
  "/attachments": { post: "Upload a file (raw body; ?conversationId&name[&durationMs]) as the conversation's visitor or an agent; see docs/attachments.md" },
  "/attachments/{id}": { get: "An attachment's bytes, for the conversation's visitor (Bearer v_...), an agent session or an API token with conversations:read (?download=1 forces a download)" },
};

let cached: Json | null = null;

export function openApiDocument(): Json {
  if (cached) return cached;
  const paths: Record<string, Json> = {};
  for (const [path, ops] of Object.entries(REST)) {
    paths[path] = Object.fromEntries(Object.entries(ops).map(([method, op]) => [method, { ...operation(path, op), operationId: `${method}${path.replace(/\{(\w+)\}/g, "By_$1").replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}` }]));
  }
  for (const [path, ops] of Object.entries(CONSOLE)) {
    paths[path] = {
      ...paths[path],
      ...Object.fromEntries(
        Object.entries(ops).map(([method, summary]) => [
          method,
          {
            operationId: `console_${method}${path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
            summary,
            tags: ["console"],
            parameters: pathParams(path),
            responses: { "200": { description: "OK" }, default: { description: "An error", content: json(ref("Error")) } },
          },
        ]),
      ),
    };
  }
  cached = {
    openapi: "3.1.0",
    info: {
      title: "Parley REST API",
      version: "1",
      description:
        "Conversations and webhooks for integrations. Authenticate with an API token created by an admin (console: Admin > API tokens): `Authorization: Bearer pk_...`. Errors are `{ \"error\": { \"code\", \"message\" } }` with a stable code. Routes tagged `console` serve Parley's own console and widget and may change.",
    },
    servers: [{ url: "/api/v1" }],
    tags: [
      { name: "conversations", description: "Read conversations and messages; post agent messages; close" },
      { name: "webhooks", description: "Webhook endpoints and their delivery log" },
      { name: "console", description: "Parley's own console and widget routes (not a stable API)" },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).map(([name, schema]) => [name, schemaOf(schema)])),
      securitySchemes: {
        token: { type: "http", scheme: "bearer", description: "An API token (pk_...) with the operation's scope" },
        session: { type: "apiKey", in: "cookie", name: "parley_session", description: "An admin's console session" },
      },
    },
  };
  return cached;
}
