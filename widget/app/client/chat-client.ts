// The visitor's side of a conversation, without any UI: the socket, the outbox, catching up by
// sequence number, read marks, typing. Components render `state` and call the methods.
//
// Never lose or double a message: every message gets a client id before it is shown; it waits in
// the outbox (kept in sessionStorage, so a reload keeps it) until the server acknowledged it, and
// the outbox is sent one message at a time, in order, on every (re)connection. A resend of a
// message the server already stored returns the stored one (unique client id), so it cannot
// appear twice.
import type {
  Ack,
  AckFn,
  AttachmentDto,
  ConversationDto,
  IdentifyInput,
  MessageDto,
  QueuePositionDto,
  ReadReceiptDto,
  TypingDto,
  VisitorClientToServer,
  VisitorSessionDto,
  WidgetBootDto,
  WidgetConfigDto,
} from "../../../server/protocol.ts";
import { storagePrefix, type HostMessage, type PageContext, type Scalar } from "../../shared/bridge.ts";
import { newId } from "./ids.ts";
import { lastSeq, mergeMessages, unreadCount, type OutboxEntry } from "./messages.ts";
import { saveBlob } from "./save-blob.ts";
import { readJson, type KeyValue } from "./storage.ts";
import { createWire, type ConnectError, type WireOptions } from "./wire.ts";

/** refused: not on this page (origin, site); blocked: an agent blocked this visitor */
export type Connection = "connecting" | "online" | "offline" | "refused" | "blocked";

export interface PreChatAnswers {
  name?: string;
  email?: string;
  fields?: Record<string, string>;
}

export interface ChatState {
  connection: Connection;
  conversation: ConversationDto | null;
  messages: MessageDto[];
  outbox: OutboxEntry[];
  queue: QueuePositionDto | null;
  agentTyping: boolean;
  unread: number;
  /** an agent can answer now (else: the offline form) */
  online: boolean;
  /** the conversation was closed; it stays on screen until "start a new chat" */
  ended: boolean;
  rating: number | null;
  /** pre-chat form answered (or not needed) in this tab */
  prechatDone: boolean;
  email: string | null;
  /** a passing problem to show (catalogue key) */
  notice: "downloadFailed" | null;
}

/**
 * What `Parley("on", "message")` handlers get: a file's name and kind only, never its URL (the
 * host page must have no way to the bytes, which need the visitor's token anyway).
 */
export type HostMessageOut = HostMessage & { attachments: Pick<AttachmentDto, "name" | "kind">[] };

/** What the client tells the host page (through the bridge). */
export interface HostLink {
  unread(n: number): void;
  message(m: HostMessageOut): void;
  warn(text: string): void;
  /** a new message from the other side arrived while the panel is closed */
  ping(): void;
}

interface Saved {
  token?: string;
  /** idempotency key of the next conversation this visitor opens */
  openKey: string;
}

type Events = VisitorClientToServer;
type InputOf<E extends keyof Events> = Parameters<Events[E]>[0];
type DataOf<E extends keyof Events> = Parameters<Events[E]>[1] extends AckFn<infer T> ? T : never;

const ACK_TIMEOUT_MS = 15_000;
const RETRY_MS = 3_000;
const RETRYABLE = new Set(["rate_limited", "unavailable", "internal"]);
// "blocked": an agent blocked this visitor; retrying would only be refused again
const REFUSED = new Set(["forbidden", "not_found", "bad_request", "blocked"]);

/** A refused message's reason (catalogue key), shown as "Not sent: …". */
const refusal = (code: string) => (code === "too_large" ? "errTooLong" : code === "rate_limited" ? "errTooFast" : code === "conflict" ? "errClosed" : "errOther");

/**
 * Why the conversation a first file needed did not open: no answer ("network"), else the reason
 * a refused first message would show, and whether trying again can help.
 */
export interface OpenFailure {
  reason: "network" | ReturnType<typeof refusal>;
  retry: boolean;
}

export type ChatClient = ReturnType<typeof createChatClient>;

/** Where the visitor's token (local: survives the browser session) and outbox (session) live. */
export interface Stores {
  local: KeyValue;
  session: KeyValue;
}

export function createChatClient(boot: WidgetBootDto, host: HostLink, stores: Stores, wireOptions: Partial<WireOptions> = {}) {
  const { local, session } = stores;
  // Scoped to the site: several sites on one Parley never share a visitor.
  const savedKey = storagePrefix(boot.siteKey);
  const outboxKey = savedKey + ":outbox";
  const prechatKey = savedKey + ":prechat";
  let saved: Saved = readJson<Saved>(local, savedKey) ?? { openKey: newId() };
  let prechat: PreChatAnswers | null = readJson<PreChatAnswers>(session, prechatKey);

  let state: ChatState = {
    connection: "connecting",
    conversation: null,
    messages: [],
    outbox: readJson<OutboxEntry[]>(session, outboxKey) ?? [],
    queue: null,
    agentTyping: false,
    unread: 0,
    online: boot.online,
    ended: false,
    rating: null,
    prechatDone: !boot.settings.preChat.enabled || prechat !== null,
    email: null,
    notice: null,
  };
  const listeners = new Set<() => void>();
  let open = false;
  let page: PageContext | null = null;
  let profileSent = false;
  let attrs: Record<string, Scalar> = {};
  let identity: IdentifyInput | null = null;
  let flushing = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let agentTypingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingSentAt = 0;
  let lastUnread = -1;

  // Read by the loader on the next page: a conversation is going, so load the chat at once and
  // let replies raise the unread count.
  const setActive = (on: boolean) => (on ? local.set(savedKey + ":active", "1") : local.remove(savedKey + ":active"));

  const persist = () => {
    local.set(savedKey, JSON.stringify(saved));
    session.set(outboxKey, JSON.stringify(state.outbox));
  };

  const set = (patch: Partial<ChatState>) => {
    state = { ...state, ...patch };
    const readSeq = state.conversation ? state.conversation.visitorReadSeq : 0;
    state.unread = open && document.visibilityState === "visible" ? 0 : unreadCount(state.messages, readSeq);
    if (state.unread !== lastUnread) host.unread((lastUnread = state.unread));
    for (const fn of listeners) fn();
  };

  const socket = createWire({
    url: location.origin,
    nsp: "/visitor",
    // Asked on every reconnection, so it sends the token the server last handed out.
    auth: () => (saved.token ? { siteKey: boot.siteKey, token: saved.token } : { siteKey: boot.siteKey }),
    ...wireOptions,
  });

  /** Emits with an ack; null when no answer came (disconnected or timed out). */
  const call = <E extends keyof Events>(event: E, input: InputOf<E>): Promise<Ack<DataOf<E>> | null> =>
    socket.call(event, input, ACK_TIMEOUT_MS).then((args) => (args ? (args[0] as Ack<DataOf<E>>) : null));

  const adopt = (conv: ConversationDto) => {
    const mine = state.conversation;
    const same = mine?.id === conv.id;
    // Read marks only move forward, whatever order the updates arrive in.
    const merged = same ? { ...conv, agentReadSeq: Math.max(conv.agentReadSeq, mine.agentReadSeq), visitorReadSeq: Math.max(conv.visitorReadSeq, mine.visitorReadSeq) } : conv;
    const closed = merged.status === "closed";
    set({
      conversation: merged,
      messages: same ? state.messages : [],
      queue: merged.status === "queued" ? state.queue : null,
      ended: closed,
      agentTyping: closed ? false : state.agentTyping,
    });
    setActive(!closed);
  };

  /**
   * `live`: true for message:new, whose messages are news (the host page hears of them). So are
   * the ones that confirm a message of our outbox, however they come (the send's ack, an open's,
   * a catch-up after the ack was lost): the server does not send our own back as message:new.
   */
  const receive = (incoming: MessageDto[], live: boolean) => {
    const conv = state.conversation;
    const mine = conv ? incoming.filter((m) => m.conversationId === conv.id) : [];
    if (!mine.length) return;
    const known = new Set(state.messages.map((m) => m.seq));
    const fresh = mine.filter((m) => !known.has(m.seq));
    const stored = new Set(mine.map((m) => m.clientId));
    const pending = new Set(state.outbox.map((e) => e.clientId));
    const outbox = state.outbox.filter((e) => !stored.has(e.clientId));
    const fromAgent = fresh.some((m) => m.authorKind !== "visitor");
    set({ messages: mergeMessages(state.messages, mine), outbox, agentTyping: fromAgent ? false : state.agentTyping });
    if (outbox.length !== state.outbox.length) persist();
    const news = live ? fresh : fresh.filter((m) => pending.has(m.clientId));
    if (news.length) {
      for (const m of news)
        host.message({ id: m.id, seq: m.seq, authorKind: m.authorKind, authorName: m.authorName, body: m.body, createdAt: m.createdAt, attachments: (m.attachments ?? []).map((a) => ({ name: a.name, kind: a.kind })) });
      if (!open && news.some((m) => m.authorKind !== "visitor")) host.ping();
    }
    markRead();
  };

  /** Fetches every message after the last one held, page by page. */
  const catchUp = async () => {
    for (;;) {
      const conv = state.conversation;
      if (!conv) return;
      const ack = await call("messages:since", { conversationId: conv.id, afterSeq: lastSeq(state.messages) });
      if (!ack?.ok) return;
      receive(ack.data, false);
      if (ack.data.length < 500) return;
    }
  };

  const markRead = () => {
    const conv = state.conversation;
    const seq = lastSeq(state.messages);
    if (!conv || !open || document.visibilityState !== "visible" || seq <= conv.visitorReadSeq) return;
    set({ conversation: { ...conv, visitorReadSeq: seq } });
    void call("conversation:read", { conversationId: conv.id, seq });
  };


  const scheduleRetry = () => {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => void flush(), RETRY_MS);
  };

  /** Sends the outbox, oldest first, one at a time: order is the order the visitor typed. */
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    try {
      for (;;) {
        const head = state.outbox.find((e) => !e.error);
        if (!head || !socket.connected) return;
        const conv = state.conversation;
        let ack: Ack<unknown> | null;
        if (head.conversationId === null && conv && !state.ended) {
          // Another tab opened the conversation meanwhile: this message belongs to it.
          head.conversationId = conv.id;
          persist();
          continue;
        }
        if (head.conversationId === null && head.attachments?.length) {
          // Its uploads belong to a conversation that is gone: sending it elsewhere cannot work.
          set({ outbox: state.outbox.map((e) => (e.clientId === head.clientId ? { ...e, error: "errClosed" } : e)) });
          persist();
          continue;
        }
        if (head.conversationId === null) {
          const opened = await call("conversation:open", { clientId: saved.openKey, message: { clientId: head.clientId, body: head.body }, ...(prechat ?? {}) });
          if (opened?.ok) {
            adopt(opened.data.conversation);
            receive(opened.data.messages, false);
          }
          ack = opened;
        } else {
          const sent = await call("message:send", {
            conversationId: head.conversationId,
            clientId: head.clientId,
            body: head.body,
            ...(head.attachments?.length ? { attachmentIds: head.attachments.map((a) => a.id) } : {}),
          });
          if (sent?.ok) receive([sent.data], false);
          ack = sent;
        }
        if (!ack) return; // no answer: the next connection sends it again
        if (ack.ok) {
          set({ outbox: state.outbox.filter((e) => e.clientId !== head.clientId) });
        } else if (RETRYABLE.has(ack.error.code)) {
          scheduleRetry();
          return;
        } else {
          set({ outbox: state.outbox.map((e) => (e.clientId === head.clientId ? { ...e, error: refusal(ack.error.code) } : e)) });
        }
        persist();
      }
    } finally {
      flushing = false;
    }
  };

  /** Page context, the site's attributes and identity: once per visitor, then as they change. */
  const sendProfile = async () => {
    if (!socket.connected) return;
    if (!profileSent && page) {
      profileSent = true;
      const context = {
        pageUrl: page.pageUrl.slice(0, 1000),
        pageTitle: page.pageTitle.slice(0, 1000),
        referrer: page.referrer.slice(0, 1000),
        userAgent: navigator.userAgent.slice(0, 1000),
        timezone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? "",
        language: navigator.language,
      };
      const ack = await call("visitor:update", { attributes: { ...attrs, ...context } });
      if (ack?.ok) attrs = {};
      else if (ack) host.warn("setAttributes refused: " + ack.error.message);
    } else if (profileSent && Object.keys(attrs).length) {
      const sending = attrs;
      attrs = {};
      const ack = await call("visitor:update", { attributes: sending });
      if (ack && !ack.ok) host.warn("setAttributes refused: " + ack.error.message);
    }
    if (identity) {
      const input = identity;
      identity = null;
      const ack = await call("visitor:identify", input);
      if (ack && !ack.ok) {
        if (ack.error.code === "conflict") {
          // Another user was identified on this browser: start as a new visitor, then identify.
          reset();
          identity = input;
        } else host.warn("identify refused: " + ack.error.message);
      }
      if (ack?.ok && ack.data.email) set({ email: ack.data.email });
    }
  };

  socket.on<VisitorSessionDto>("session", (s) => {
    void (async () => {
      const previous = saved.token;
      saved.token = s.token;
      if (previous && previous !== s.token) {
        // The server no longer knows our token: begin again as a new visitor, keeping unsent text.
        profileSent = false;
        saved.openKey = newId();
        set({ conversation: null, messages: [], ended: false, outbox: state.outbox.map((e) => ({ ...e, conversationId: null })) });
      }
      persist();
      set({ connection: "online", email: s.visitor.email });
      const mine = state.conversation;
      if (s.conversation) adopt(s.conversation);
      else if (mine && !state.ended) {
        // Closed while we were away: show what we missed, then the end of the chat.
        await catchUp();
        adopt({ ...mine, status: "closed" });
      }
      if (state.conversation && !state.ended) await catchUp();
      else setActive(false); // closed while the page was away: no need to load the chat early
      await sendProfile();
      await flush();
    })();
  });

  socket.on<MessageDto>("message:new", (m) => {
    if (!state.conversation || m.conversationId !== state.conversation.id) return;
    const gap = m.seq > lastSeq(state.messages) + 1;
    receive([m], true);
    if (gap) void catchUp();
  });

  socket.on<ConversationDto>("conversation:updated", (c) => {
    const mine = state.conversation;
    if (mine?.id === c.id) return adopt(c);
    // Opened in another tab (or from the offline form there): show it here too.
    if ((!mine || state.ended) && c.status !== "closed") {
      adopt(c);
      void catchUp();
    }
  });

  socket.on<QueuePositionDto>("queue:position", (q) => {
    if (q.conversationId === state.conversation?.id && state.conversation.status === "queued") set({ queue: q });
  });

  socket.on<TypingDto>("typing", (tp) => {
    if (tp.conversationId !== state.conversation?.id) return;
    clearTimeout(agentTypingTimer);
    // A lost "stopped typing" must not leave the indicator on for good.
    if (tp.typing) agentTypingTimer = setTimeout(() => set({ agentTyping: false }), 10_000);
    set({ agentTyping: tp.typing });
  });

  socket.on<ReadReceiptDto>("conversation:read", (r) => {
    const conv = state.conversation;
    if (r.reader === "agent" && conv?.id === r.conversationId && r.seq > conv.agentReadSeq) set({ conversation: { ...conv, agentReadSeq: r.seq } });
  });

  socket.on("server:shutdown", () => set({ connection: "offline" }));

  socket.on<string>("disconnect", (reason) => {
    set({ connection: "offline", agentTyping: false });
    // The server ended the session itself (restart, deploy): come back a little later.
    if (reason === "io server disconnect") setTimeout(() => socket.connect(), 1000 + Math.random() * 2000);
  });

  socket.on<ConnectError>("connect_error", (err) => {
    const code = err.data?.code;
    if (code && REFUSED.has(code)) {
      host.warn(err.message);
      return set({ connection: code === "blocked" ? "blocked" : "refused" });
    }
    // "unavailable" (busy, or the database away) is retried by the wire itself, after the
    // server's retryAfterMs when it gives one.
    if (state.connection !== "connecting") set({ connection: "offline" });
  });

  document.addEventListener("visibilitychange", () => {
    set({});
    markRead();
  });

  const refreshAvailability = async () => {
    try {
      const res = await fetch("/api/v1/widget/config/" + encodeURIComponent(boot.siteKey));
      const config = (await res.json()) as WidgetConfigDto;
      if (config.enabled) set({ online: config.online });
    } catch {
      // Keep what we knew: the socket's state tells the visitor about connection trouble.
    }
  };

  let typingOn = false;
  let typingDraft = "";
  let trailTimer: ReturnType<typeof setTimeout> | undefined;
  const emitTyping = (on: boolean) => {
    const conv = state.conversation;
    if (!conv || state.ended || !socket.connected) return;
    typingOn = on;
    typingSentAt = on ? Date.now() : 0;
    socket.emit("typing", { conversationId: conv.id, typing: on, ...(on ? { preview: typingDraft.slice(0, 5000) } : {}) });
  };
  /** Tells the agent the visitor is typing, with the draft for the console's live preview. */
  const typing = (draft: string) => {
    typingDraft = draft;
    clearTimeout(typingTimer);
    clearTimeout(trailTimer);
    if (!draft) {
      if (typingOn) emitTyping(false);
      return;
    }
    // At most one update a second, the last one always sent; stopping for 3 s counts as done.
    const wait = 1000 - (Date.now() - typingSentAt);
    if (wait <= 0) emitTyping(true);
    else trailTimer = setTimeout(() => emitTyping(true), wait);
    typingTimer = setTimeout(() => typing(""), 3000);
  };

  /**
   * Queues a message and sends it as soon as the connection allows. Attachments are uploaded
   * ones (see uploads.ts), so the message goes out whole or not at all.
   */
  const send = (body: string, attachments: AttachmentDto[] = []) => {
    const text = body.trim();
    if (!text && !attachments.length) return;
    const conv = state.conversation;
    const entry: OutboxEntry = { clientId: newId(), body: text, conversationId: conv && !state.ended ? conv.id : null, ...(attachments.length ? { attachments } : {}) };
    set({ outbox: [...state.outbox, entry] });
    persist();
    typing("");
    void flush();
  };

  let opening: Promise<OpenFailure | null> | null = null;
  /**
   * Opens the conversation without a message, for a visitor whose first act is a file (an upload
   * needs a conversation). The same key as a first text message's open, so a retry, or a text
   * sent meanwhile, lands in this same conversation; pre-chat answers go with it. Resolves with
   * null once `state.conversation` is there, else why not.
   */
  const openForFiles = (): Promise<OpenFailure | null> => {
    if (state.conversation && !state.ended) return Promise.resolve(null);
    opening ??= call("conversation:open", { clientId: saved.openKey, ...(prechat ?? {}) })
      .then((ack): OpenFailure | null => {
        if (!ack) return { reason: "network", retry: true };
        if (!ack.ok) return { reason: refusal(ack.error.code), retry: RETRYABLE.has(ack.error.code) };
        adopt(ack.data.conversation);
        receive(ack.data.messages, false);
        void flush();
        return null;
      })
      .finally(() => (opening = null));
    return opening;
  };

  function reset() {
    socket.disconnect();
    for (const key of [savedKey, outboxKey, prechatKey]) (key === savedKey ? local : session).remove(key);
    local.remove(savedKey + ":active");
    saved = { openKey: newId() };
    prechat = null;
    profileSent = false;
    setActive(false);
    set({
      connection: "connecting",
      conversation: null,
      messages: [],
      outbox: [],
      queue: null,
      agentTyping: false,
      ended: false,
      rating: null,
      email: null,
      prechatDone: !boot.settings.preChat.enabled,
    });
    socket.connect();
  }

  async function fetchFile(url: string): Promise<Blob> {
    const res = await fetch(url, { headers: saved.token ? { Authorization: "Bearer " + saved.token } : {} });
    if (!res.ok) throw new Error(String(res.status));
    return res.blob();
  }

  socket.connect();

  return {
    /** the transport in use, for diagnostics */
    transport: () => socket.transport,
    get: () => state,
    subscribe(fn: () => void) {
      listeners.add(fn);
      return () => void listeners.delete(fn);
    },

    setOpen(next: boolean) {
      const opening = next && !open;
      open = next;
      set({ notice: null });
      markRead();
      if (opening && !state.conversation) void refreshAvailability();
    },

    setPage(context: PageContext) {
      page = context;
      void sendProfile();
    },

    setAttributes(input: Record<string, Scalar>) {
      for (const [k, v] of Object.entries(input)) {
        if (k.length > 64 || !(v === null || ["string", "number", "boolean"].includes(typeof v))) host.warn(`setAttributes: "${k.slice(0, 64)}" skipped (keys up to 64 characters; values string, number, boolean or null)`);
        else attrs[k] = typeof v === "string" ? v.slice(0, 1000) : v;
      }
      void sendProfile();
    },

    identify(input: IdentifyInput) {
      identity = input;
      void sendProfile();
    },

    reset,

    send,

    /** Pre-chat answers go with the first message or file (conversation:open); body may be "". */
    start(answers: PreChatAnswers, body: string) {
      prechat = answers;
      session.set(prechatKey, JSON.stringify(answers));
      set({ prechatDone: true });
      send(body);
    },

    async leaveOffline(input: { email: string; name?: string; body: string }): Promise<boolean> {
      const ack = await call("conversation:offline", { clientId: saved.openKey, email: input.email, ...(input.name ? { name: input.name } : {}), message: { clientId: newId(), body: input.body } });
      if (!ack?.ok) return false;
      set({ email: input.email });
      adopt(ack.data.conversation);
      receive(ack.data.messages, false);
      return true;
    },

    typing,

    async end() {
      const conv = state.conversation;
      if (!conv) return;
      const ack = await call("conversation:close", { conversationId: conv.id });
      if (ack?.ok) adopt(ack.data);
    },

    async rate(rating: number) {
      const conv = state.conversation;
      if (!conv) return;
      const ack = await call("conversation:rate", { conversationId: conv.id, rating });
      if (ack?.ok) set({ rating });
    },

    newChat() {
      saved.openKey = newId();
      persist();
      setActive(false);
      set({ conversation: null, messages: [], ended: false, rating: null, queue: null });
      if (!state.online) void refreshAvailability();
    },

    openForFiles,

    /** the visitor's bearer token (uploads and attachment downloads carry it) */
    token: () => saved.token,

    /** A file of this visitor's conversation (transcript, attachment), fetched with the token. */
    fetchFile,

    /** The conversation as plain text, served by Parley for the visitor's own token. */
    async download() {
      const conv = state.conversation;
      if (!conv) return;
      try {
        saveBlob(await fetchFile(`/api/v1/conversations/${encodeURIComponent(conv.id)}/transcript.txt`), `transcript-${conv.id}.txt`);
      } catch {
        set({ notice: "downloadFailed" });
      }
    },
  };
}
