// The wire contract between the Parley server, the widget and the console.
// Browser code imports this module with `import type` only, so nothing here may be needed at
// run time by a client: keep it to types plus the few constants the server itself uses.

// ---------------------------------------------------------------------------------------------
// Acks
// ---------------------------------------------------------------------------------------------

export type ErrorCode =
  | "bad_request" // payload failed validation
  | "unauthorized" // no or invalid credentials
  | "forbidden" // authenticated, but not allowed to touch this
  | "not_found"
  | "conflict" // state does not allow it (closed conversation, already assigned ...)
  | "rate_limited"
  | "blocked" // an agent blocked this visitor (or their address) on the site
  | "too_large"
  | "unsupported_type" // an upload whose sniffed content is not an allowed type (HTTP 415)
  | "not_eligible" // transfer/assign target cannot take the chat
  | "unavailable" // a dependency (database, redis) is down: retry later
  | "internal"; // anything unexpected; the message is generic, details are in the server log

export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (result: Ack<T>) => void;

// ---------------------------------------------------------------------------------------------
// Shared shapes (what crosses the wire; dates are ISO strings)
// ---------------------------------------------------------------------------------------------

export type ConversationStatus = "queued" | "assigned" | "closed";
export type AuthorKind = "visitor" | "agent" | "system";
export type AgentStatus = "online" | "away" | "offline";
export type AgentRole = "admin" | "agent";

export interface MessageDto {
  id: string;
  conversationId: string;
  /** gapless per conversation, starting at 1; clients resume with the last one they saw */
  seq: number;
  authorKind: AuthorKind;
  authorId: string | null;
  /** display name of the author (agent name, visitor name), null when unknown */
  authorName: string | null;
  body: string;
  /** the sender's idempotency key */
  clientId: string;
  /** private agent note: only ever sent on the /agent namespace */
  note: boolean;
  createdAt: string;
}

export interface AgentRef {
  id: string;
  name: string;
}

export interface ConversationDto {
  id: string;
  siteId: string;
  visitorId: string;
  status: ConversationStatus;
  assignee: AgentRef | null;
  lastSeq: number;
  tags: string[];
  rating: number | null;
  createdAt: string;
  queuedAt: string;
  assignedAt: string | null;
  firstResponseAt: string | null;
  closedAt: string | null;
}

export interface VisitorDto {
  id: string;
  siteId: string;
  name: string | null;
  email: string | null;
  identified: boolean;
  attributes: Record<string, string | number | boolean | null>;
  createdAt: string;
  lastSeenAt: string;
}

/** what an agent sees of a conversation in lists: enough for the inbox without a second call */
export interface ConversationSummaryDto extends ConversationDto {
  siteName: string;
  visitor: VisitorDto;
  /** first visitor message, truncated; null before the visitor wrote anything */
  preview: string | null;
}

export interface QueuePositionDto {
  conversationId: string;
  /** 1-based position among the site's queued conversations */
  position: number;
  /** estimated seconds until an agent picks it up; null when no estimate can be made */
  estimatedWaitSeconds: number | null;
}

export interface TypingDto {
  conversationId: string;
  typing: boolean;
  /** visitor's draft, for the console's live preview; never sent to visitors */
  preview?: string;
}

export interface AgentDto {
  id: string;
  email: string;
  name: string;
  role: AgentRole;
  status: AgentStatus;
  maxChats: number | null;
  openCount: number;
}

// ---------------------------------------------------------------------------------------------
// Limits enforced by the server (clients may mirror them for early feedback)
// ---------------------------------------------------------------------------------------------

export const MAX_MESSAGE_LENGTH = 5000;
export const MAX_CLIENT_ID_LENGTH = 64;
/** Socket.IO maxHttpBufferSize: a single packet larger than this closes the connection */
export const MAX_PACKET_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------
// /visitor namespace
// Handshake: io(`${base}/visitor`, { auth: { siteKey, token? } }) from an allowed origin.
// Without a (valid) token the server creates a visitor and sends `session` with a new token,
// which the client must keep and send next time.
// ---------------------------------------------------------------------------------------------

export interface VisitorHandshakeAuth {
  siteKey: string;
  token?: string;
}

export interface VisitorSessionDto {
  token: string;
  visitor: VisitorDto;
  /** the visitor's open (queued or assigned) conversation, if any, with the latest messages */
  conversation: ConversationDto | null;
}

export interface OpenConversationInput {
  /** idempotency key: a retried open with the same key returns the same conversation */
  clientId: string;
  /** optional first message, stored in the same step */
  message?: { clientId: string; body: string };
  /** pre-chat form answers */
  name?: string;
  email?: string;
  fields?: Record<string, string>;
}

export interface SendMessageInput {
  conversationId: string;
  clientId: string;
  body: string;
}

export interface SinceInput {
  conversationId: string;
  /** the last sequence the client holds; 0 for everything */
  afterSeq: number;
}

export interface VisitorClientToServer {
  "conversation:open": (input: OpenConversationInput, ack: AckFn<{ conversation: ConversationDto; messages: MessageDto[] }>) => void;
  "message:send": (input: SendMessageInput, ack: AckFn<MessageDto>) => void;
  "messages:since": (input: SinceInput, ack: AckFn<MessageDto[]>) => void;
  "conversation:close": (input: { conversationId: string }, ack: AckFn<ConversationDto>) => void;
  "conversation:rate": (input: { conversationId: string; rating: number }, ack: AckFn<ConversationDto>) => void;
  typing: (input: { conversationId: string; typing: boolean; preview?: string }) => void;
  "visitor:update": (
    input: { name?: string; email?: string; attributes?: Record<string, string | number | boolean | null> },
    ack: AckFn<VisitorDto>,
  ) => void;
}

export interface VisitorServerToClient {
  session: (session: VisitorSessionDto) => void;
  "message:new": (message: MessageDto) => void;
  "conversation:updated": (conversation: ConversationDto) => void;
  "queue:position": (position: QueuePositionDto) => void;
  typing: (typing: TypingDto) => void;
  /** the server is going away (deploy, shutdown): reconnect later, nothing is lost */
  "server:shutdown": () => void;
}

// ---------------------------------------------------------------------------------------------
// /agent namespace
// Handshake: the console's session cookie (`parley_session`), sent by the browser; Node clients
// pass it with `extraHeaders: { cookie }`.
// ---------------------------------------------------------------------------------------------

export interface AgentSendMessageInput extends SendMessageInput {
  note?: boolean;
}

export interface AgentClientToServer {
  "agent:status": (input: { status: AgentStatus }, ack: AckFn<AgentDto>) => void;
  "queue:list": (input: Record<string, never>, ack: AckFn<ConversationSummaryDto[]>) => void;
  "conversation:list": (
    input: { status?: ConversationStatus; mine?: boolean },
    ack: AckFn<ConversationSummaryDto[]>,
  ) => void;
  "conversation:get": (
    input: { conversationId: string },
    ack: AckFn<{ conversation: ConversationSummaryDto; messages: MessageDto[] }>,
  ) => void;
  "conversation:accept": (input: { conversationId: string }, ack: AckFn<ConversationDto>) => void;
  "conversation:close": (input: { conversationId: string }, ack: AckFn<ConversationDto>) => void;
  "message:send": (input: AgentSendMessageInput, ack: AckFn<MessageDto>) => void;
  "messages:since": (input: SinceInput, ack: AckFn<MessageDto[]>) => void;
  typing: (input: { conversationId: string; typing: boolean }) => void;
}

export interface AgentServerToClient {
  "agent:updated": (agent: AgentDto) => void;
  /**
   * Conversations that entered, changed in, or left the queue, or changed among mine: each one's
   * latest summary, in rounds (a burst of changes is a packet per agent, not one per change).
   */
  "conversations:updated": (conversations: ConversationSummaryDto[]) => void;
  /** a conversation was assigned to me */
  "conversation:assigned": (conversation: ConversationSummaryDto) => void;
  "message:new": (message: MessageDto) => void;
  typing: (typing: TypingDto) => void;
  "server:shutdown": () => void;
}

// ---------------------------------------------------------------------------------------------
// HTTP (JSON). Errors are { error: { code, message } } with a 4xx/5xx status.
// POST /api/v1/auth/login {email,password} -> AgentDto + Set-Cookie parley_session
// POST /api/v1/auth/logout, GET /api/v1/auth/me -> AgentDto
// POST /api/v1/setup {token,email,name,password} -> AgentDto (first admin, only when none exists)
// GET  /api/v1/conversations/:id/transcript.json -> TranscriptDto (?notes=1: agents only)
// GET  /api/v1/conversations/:id/transcript.{csv,txt,html}; .txt also for the conversation's
//      own visitor with `Authorization: Bearer v_...` (CORS for the site's allowed origins)
// GET  /api/v1/transcripts/export?format=ndjson|csv&from&to&site&agent&status&tag
//      -> NDJSON (one TranscriptDto per line) or CSV (one row per message)
// ---------------------------------------------------------------------------------------------

/** read: the other side's read mark (`conversation:read`) has reached it; sent: stored, not read
 *  by the other side yet (private notes stay "sent"). The server never sees a bare delivery. */
export type TranscriptDeliveryState = "sent" | "read";

export interface TranscriptMessageDto extends MessageDto {
  deliveryState: TranscriptDeliveryState;
}

export interface TranscriptDto {
  conversation: ConversationDto;
  site: { id: string; key: string; name: string };
  visitor: VisitorDto;
  agents: AgentRef[];
  messages: TranscriptMessageDto[];
}

export interface ErrorResponse {
  error: ErrorBody;
}

// ---------------------------------------------------------------------------------------------
// Agent console additions (issue 4). The event maps above are extended here by interface merging,
// so the console's events sit together.
// ---------------------------------------------------------------------------------------------

export const MAX_TAGS = 20;
export const MAX_TAG_LENGTH = 40;

export interface AgentClientToServer {
  /** replaces the conversation's tags (lower-cased, de-duplicated) */
  "conversation:tags": (input: { conversationId: string; tags: string[] }, ack: AckFn<ConversationDto>) => void;
  /** the visitor's other conversations (and, for identified visitors, those under the same id on the site) */
  "visitor:conversations": (input: { conversationId: string }, ack: AckFn<ConversationSummaryDto[]>) => void;
  /** active agents with their presence: transfer targets */
  "agents:list": (input: Record<string, never>, ack: AckFn<AgentDto[]>) => void;
  /** blocks the conversation's visitor on its site (and their current address when ip is true); their sockets are dropped */
  "visitor:block": (input: { conversationId: string; ip?: boolean }, ack: AckFn<{ blocked: true }>) => void;
  "visitor:unblock": (input: { conversationId: string }, ack: AckFn<{ blocked: false }>) => void;
}

// HTTP for the console (JSON; cookie-authenticated writes need the header `X-Parley-CSRF: 1`):
// GET  /api/v1/history?site&agent&from&to&tag&rating&q&cursor -> HistoryPageDto
// GET  /api/v1/canned-responses?q -> CannedResponseDto[]; POST, PATCH /:id, DELETE /:id
// Admin only (role admin), under /api/v1/admin:
// GET|POST /sites, GET|PATCH /sites/:id, POST /sites/:id/identity-secret (rotate)
// GET|POST /agents, PATCH /agents/:id (name, role, maxChats, active=false deactivates)
// GET|POST /tokens (token shown once), DELETE /tokens/:id (revoke)
export const CSRF_HEADER = "x-parley-csrf";

export type RoutingMode = "auto" | "manual";

export interface SiteDto {
  id: string;
  key: string;
  name: string;
  allowedOrigins: string[];
  settings: SiteSettings;
  /** signs Parley('identify') hashes; admins only */
  identitySecret: string;
  routingMode: RoutingMode;
  defaultCapacity: number | null;
  /** the embed snippet to paste into the site */
  snippet: string;
  createdAt: string;
}

export interface AdminAgentDto extends AgentDto {
  active: boolean;
  createdAt: string;
}

export interface CreatedAgentDto {
  agent: AdminAgentDto;
  /** the generated password when none was given; shown once */
  password: string | null;
}

export interface ApiTokenDto {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
}

export interface CreatedApiTokenDto extends ApiTokenDto {
  /** the secret itself: shown once, stored only hashed */
  token: string;
}

export interface CannedResponseDto {
  id: string;
  shortcut: string;
  title: string;
  body: string;
  updatedAt: string;
}

export interface HistoryPageDto {
  items: ConversationSummaryDto[];
  /** pass as `cursor` for the next page; null on the last one */
  nextCursor: string | null;
}

// ---------------------------------------------------------------------------------------------
// Widget additions (issue 3): read receipts (both namespaces), identify, the offline form, site
// settings and the widget's public config. Merged into the maps above by interface merging.
// ---------------------------------------------------------------------------------------------

export type Reader = "visitor" | "agent";

export interface ConversationDto {
  /** highest seq the visitor has seen; only moves forward */
  visitorReadSeq: number;
  /** highest seq an agent has seen; only moves forward */
  agentReadSeq: number;
}

export interface ReadInput {
  conversationId: string;
  /** the highest seq this side has now seen (at most the conversation's lastSeq) */
  seq: number;
}

/** sent to the other side when one side's read mark moves forward */
export interface ReadReceiptDto {
  conversationId: string;
  reader: Reader;
  seq: number;
}

/** Parley('identify', ...): hash = hex HMAC-SHA256 of `id` keyed with the site's identity secret */
export interface IdentifyInput {
  id: string;
  name?: string;
  email?: string;
  hash?: string;
}

/** the offline form: no agent online or outside business hours */
export interface OfflineMessageInput {
  /** idempotency key of the conversation it creates */
  clientId: string;
  email: string;
  name?: string;
  message: { clientId: string; body: string };
}

export interface VisitorClientToServer {
  "conversation:read": (input: ReadInput, ack: AckFn<ReadReceiptDto>) => void;
  /** verified ids set the visitor's external id; a site with requireIdentity refuses unsigned ones */
  "visitor:identify": (input: IdentifyInput, ack: AckFn<VisitorDto>) => void;
  /** stores the message as a conversation tagged "offline" that agents pick up later */
  "conversation:offline": (input: OfflineMessageInput, ack: AckFn<{ conversation: ConversationDto; messages: MessageDto[] }>) => void;
}

export interface VisitorServerToClient {
  "conversation:read": (receipt: ReadReceiptDto) => void;
}

export interface AgentClientToServer {
  "conversation:read": (input: ReadInput, ack: AckFn<ReadReceiptDto>) => void;
}

export interface AgentServerToClient {
  "conversation:read": (receipt: ReadReceiptDto) => void;
}

export const OFFLINE_TAG = "offline";

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface PreChatField {
  /** `name` and `email` fill the visitor's own fields; other keys become visitor attributes */
  key: string;
  label: string;
  type: "text" | "email" | "tel";
  required: boolean;
}

export interface BusinessHours {
  /** IANA time zone, e.g. Europe/Paris */
  timezone: string;
  /** "HH:MM" intervals per day; a day without intervals is closed */
  days: Partial<Record<Weekday, { from: string; to: string }[]>>;
}

/** Site.settings, validated by server/sites/settings.ts */
export interface SiteSettings {
  color: string;
  position: "left" | "right";
  greeting: string;
  launcherLabel: string;
  preChat: { enabled: boolean; fields: PreChatField[] };
  requireIdentity: boolean;
  businessHours: BusinessHours | null;
  sound: boolean;
  titleFlash: boolean;
  /** the widget's language: "auto" follows the visitor's browser (navigator.languages) */
  language: "auto" | "en" | "fr" | "de" | "es" | "pt-BR" | "zh-CN" | "ja" | "ar";
  /** the site's own wording for any widget string (catalogue key → text), in every language */
  strings: Record<string, string>;
}

/** the loader's strings in the visitor's language (with the site's overrides) */
export interface LoaderTextDto {
  open: string;
  close: string;
  withUnread: string;
  frameTitle: string;
  titleFlash: string;
}

// GET /api/v1/widget/config/:siteKey (public; CORS for the site's allowed origins)
// -> WidgetConfigDto. A page whose origin is not allowed gets `enabled: false` with a 200, so the
// host page's console shows the loader's warning rather than a failed request.
export type WidgetConfigDto =
  | {
      enabled: true;
      siteName: string;
      settings: SiteSettings;
      /** text colour readable on `settings.color` (WCAG AA) */
      foreground: string;
      /** an agent is online and the site is within business hours */
      online: boolean;
      /** the language the launcher speaks (the site's, or negotiated from Accept-Language) */
      locale: string;
      /** mirror the launcher (right-to-left language) */
      rtl: boolean;
      text: LoaderTextDto;
    }
  | { enabled: false; code: "forbidden" | "not_found"; message: string };

/** what the widget's iframe page carries (JSON in <script type="application/json" id="parley-boot">) */
export interface WidgetBootDto {
  siteKey: string;
  siteName: string;
  /** the embedding page's origin: the only target of the iframe's postMessage */
  hostOrigin: string;
  settings: SiteSettings;
  foreground: string;
  online: boolean;
  /** locale → the hashed catalogue file under /widget/ (English is built in) */
  catalogues: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Routing additions (issue 5): transfer, reopen, unassignment. Merged into the maps above by
// interface merging. Queue position and estimated wait stay on `queue:position`, pushed on every
// change to the visitor's site queue.
// ---------------------------------------------------------------------------------------------

/** why a conversation left its agent: they went offline (or their grace period ran out), it was transferred, or they sent it back to the queue */
export type UnassignReason = "offline" | "transfer" | "queue";

export interface UnassignedDto {
  conversationId: string;
  reason: UnassignReason;
}

export interface TransferConversationInput {
  conversationId: string;
  /**
   * the agent to hand it to: must be eligible right now (online, connected, taking this site's
   * chats, a free slot), else the error code is `not_eligible`. Omitted: back to the FRONT of the
   * queue, from where it goes to another agent.
   */
  toAgentId?: string;
}

export interface AgentClientToServer {
  /** by the agent who has the conversation, or an admin */
  "conversation:transfer": (input: TransferConversationInput, ack: AckFn<ConversationDto>) => void;
  /** reopens a closed conversation to me; I must be eligible, else `not_eligible` */
  "conversation:reopen": (input: { conversationId: string }, ack: AckFn<ConversationDto>) => void;
}

export interface AgentServerToClient {
  /** a conversation I had is no longer mine; `conversations:updated` follows with its new state */
  "conversation:unassigned": (info: UnassignedDto) => void;
}

export interface VisitorClientToServer {
  /** reopens my closed conversation: to the agent I had if they can take it now, else the queue */
  "conversation:reopen": (input: { conversationId: string }, ack: AckFn<ConversationDto>) => void;
}

// ---------------------------------------------------------------------------------------------
// Webhooks and the REST API (issue 12). Admin session or API token; the document of record is
// GET /api/v1/openapi.json.
// ---------------------------------------------------------------------------------------------

export type WebhookEventType =
  | "conversation.created"
  | "conversation.assigned"
  | "conversation.transferred"
  | "conversation.closed"
  | "conversation.rated"
  | "message.created"
  | "visitor.identified";

/** the JSON body of every delivery; `id` is stable across retries (de-duplicate on it) */
export interface WebhookEnvelope<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  /** when the change happened (ISO) */
  timestamp: string;
  payload: WebhookPayloads[T];
}

/** a message as webhooks carry it: the conversation it belongs to travels with it */
export interface WebhookMessageDto extends MessageDto {
  siteId: string;
  visitorId: string;
}

export interface WebhookPayloads {
  "conversation.created": { conversation: ConversationDto };
  "conversation.assigned": { conversation: ConversationDto; agent: AgentRef; via: "auto" | "manual" | "reopen" };
  /** `to` null: sent back to the queue */
  "conversation.transferred": { conversation: ConversationDto; from: AgentRef; to: AgentRef | null };
  "conversation.closed": { conversation: ConversationDto };
  "conversation.rated": { conversation: ConversationDto; rating: number };
  "message.created": { message: WebhookMessageDto };
  /** `userId`: the site's own user id, set only when it was signed (verified) */
  "visitor.identified": { visitor: VisitorDto; userId: string | null; verified: boolean };
}

export interface WebhookEndpointDto {
  id: string;
  url: string;
  description: string;
  events: WebhookEventType[];
  includeNotes: boolean;
  enabled: boolean;
  /** set when a delivery ran out of retries (about a day); cleared by the next success */
  failingSince: string | null;
  /** last four characters of the signing secret */
  secretHint: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreatedWebhookEndpointDto extends WebhookEndpointDto {
  /** the signing secret: shown once (on creation and rotation) */
  secret: string;
}

export type WebhookDeliveryState = "pending" | "delivered" | "failed";

export interface WebhookAttemptDto {
  startedAt: string;
  durationMs: number;
  /** null when no HTTP response came (refused by the address guard, DNS, timeout, connection) */
  statusCode: number | null;
  error: string | null;
}

export interface WebhookDeliveryDto {
  id: string;
  eventId: string;
  eventType: WebhookEventType;
  state: WebhookDeliveryState;
  /** attempts in the current round */
  attempts: number;
  /** pending only: when the next attempt is due */
  nextAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  lastDurationMs: number | null;
  deliveredAt: string | null;
  createdAt: string;
  /** newest first, at most 10 */
  recentAttempts: WebhookAttemptDto[];
}

export interface PageDto<T> {
  data: T[];
  /** pass as `cursor` for the next page; null on the last one */
  nextCursor: string | null;
}

/** a conversation in the REST API, with its visitor */
export interface ApiConversationDto extends ConversationDto {
  visitor: VisitorDto;
}

// ---------------------------------------------------------------------------------------------
// Attachments (issue 10; docs/attachments.md is the contract). Merged into the shapes above by
// interface merging. Upload: POST /api/v1/attachments?conversationId&name[&durationMs] with the raw
// bytes as the body -> 201 { attachment: AttachmentDto }; then `message:send` with attachmentIds.
// Download: GET /api/v1/attachments/:id[?download=1].
// ---------------------------------------------------------------------------------------------

/** what the server's content sniffing recognised (never the file name or the client's claim) */
export type AttachmentCategory = "image" | "pdf" | "text" | "office" | "audio";
/** how a UI shows it: image (png/jpeg/gif/webp only), audio, else file */
export type AttachmentKind = "image" | "audio" | "file";
export const ATTACHMENT_CATEGORIES: readonly AttachmentCategory[] = ["image", "pdf", "text", "office", "audio"];
/** at most this many attachments on one message */
export const MAX_ATTACHMENTS_PER_MESSAGE = 10;

export interface AttachmentDto {
  /** opaque, unguessable */
  id: string;
  /** sanitised file name (no path, no control chars, at most 200 characters) */
  name: string;
  /** the SNIFFED type, e.g. "image/png", "application/pdf", "audio/webm" */
  mime: string;
  /** bytes */
  size: number;
  kind: AttachmentKind;
  /** voice notes: the recorder's duration, else null */
  durationMs: number | null;
  /** path on Parley's origin: "/api/v1/attachments/<id>" */
  url: string;
}

export interface MessageDto {
  /** always present, [] when none */
  attachments: AttachmentDto[];
}

export interface SendMessageInput {
  /** uploaded attachments to send with this message (at most 10); body may then be "" */
  attachmentIds?: string[];
}

export interface AttachmentSettings {
  enabled: boolean;
  /** per file; the server also caps it at PARLEY_ATTACHMENT_MAX_BYTES (default 25 MB) */
  maxBytes: number;
  types: AttachmentCategory[];
}

export interface SiteSettings {
  attachments: AttachmentSettings;
}
