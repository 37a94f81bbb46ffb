// Pure pieces of the widget and its server side: site settings, business hours, theme contrast,
// message merging and delivery state, link detection, catalogue formatting.
import { describe, expect, it } from "vitest";
import type { ConversationDto, MessageDto } from "../../server/protocol.ts";
import { applySettingsPatch, DEFAULT_SETTINGS, siteSettingsOf } from "../../server/sites/settings.ts";
import { wallClock, withinBusinessHours } from "../../server/sites/business-hours.ts";
import { contrastRatio, foregroundFor } from "../../server/sites/theme.ts";
import { deliveryOf, mergeMessages, toViews, unreadCount } from "../../widget/app/client/messages.ts";
import { linkify } from "../../widget/app/ui/linkify.ts";
import { format } from "../../widget/shared/format.ts";
import { en } from "../../widget/app/i18n/en.ts";
import { en as loaderEn } from "../../widget/loader/i18n/en.ts";

describe("site settings", () => {
  it("fills every field with a default", () => {
    expect(siteSettingsOf({ settings: "{}" })).toEqual(DEFAULT_SETTINGS);
    expect(DEFAULT_SETTINGS).toMatchObject({ position: "right", sound: false, titleFlash: false, requireIdentity: false, businessHours: null });
  });

  it("keeps the good fields of a stored object and drops the bad ones", () => {
    const s = siteSettingsOf({ settings: JSON.stringify({ color: "red", position: "left", greeting: "Hello", unknown: 1 }) });
    expect(s.color).toBe(DEFAULT_SETTINGS.color);
    expect(s.position).toBe("left");
    expect(s.greeting).toBe("Hello");
    expect(siteSettingsOf({ settings: "not json" })).toEqual(DEFAULT_SETTINGS);
    expect(siteSettingsOf({ settings: "[1,2]" })).toEqual(DEFAULT_SETTINGS);
  });

  it("validates a patch and explains what is wrong", () => {
    const next = applySettingsPatch(DEFAULT_SETTINGS, { color: "#112233", preChat: { enabled: true, fields: [{ key: "name", required: true }, { key: "order" }] } });
    expect(next.color).toBe("#112233");
    expect(next.preChat.fields).toEqual([
      { key: "name", label: "", type: "text", required: true },
      { key: "order", label: "", type: "text", required: false },
    ]);
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { color: "blue" })).toThrow(/colour like/);
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { position: "top" })).toThrow();
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { surprise: true })).toThrow();
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { preChat: { enabled: true, fields: [{ key: "a" }, { key: "a" }] } })).toThrow(/unique/);
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { businessHours: { timezone: "Mars/Olympus", days: {} } })).toThrow(/time zone/);
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, { businessHours: { timezone: "UTC", days: { mon: [{ from: "18:00", to: "09:00" }] } } })).toThrow(/before/);
    expect(() => applySettingsPatch(DEFAULT_SETTINGS, "nope")).toThrow();
  });
});

describe("business hours", () => {
  const hours = { timezone: "Europe/Paris", days: { mon: [{ from: "09:00", to: "12:00" }, { from: "14:00", to: "18:00" }] } };

  it("reads the wall clock in the site's time zone", () => {
    // 2026-01-05 is a Monday; Paris is UTC+1 in January.
    expect(wallClock(new Date("2026-01-05T08:30:00Z"), "Europe/Paris")).toEqual({ day: "mon", time: "09:30" });
    expect(wallClock(new Date("2026-01-05T23:30:00Z"), "Europe/Paris")).toEqual({ day: "tue", time: "00:30" });
  });

  it("is open inside an interval, closed outside and on days without one", () => {
    expect(withinBusinessHours(null, new Date())).toBe(true);
    expect(withinBusinessHours(hours, new Date("2026-01-05T08:00:00Z"))).toBe(true); // 09:00 opens
    expect(withinBusinessHours(hours, new Date("2026-01-05T07:59:00Z"))).toBe(false);
    expect(withinBusinessHours(hours, new Date("2026-01-05T11:00:00Z"))).toBe(false); // lunch, 12:00 closes
    expect(withinBusinessHours(hours, new Date("2026-01-05T13:00:00Z"))).toBe(true);
    expect(withinBusinessHours(hours, new Date("2026-01-06T10:00:00Z"))).toBe(false); // Tuesday
  });
});

describe("theme", () => {
  it("picks a text colour with at least AA contrast on any brand colour", () => {
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    let worst = Infinity;
    for (let r = 0; r < 256; r += 15) for (let g = 0; g < 256; g += 15) for (let b = 0; b < 256; b += 15) {
      const c = `#${hex(r)}${hex(g)}${hex(b)}`;
      worst = Math.min(worst, contrastRatio(c, foregroundFor(c)));
    }
    expect(worst).toBeGreaterThanOrEqual(4.5);
    expect(foregroundFor("#1f5fd1")).toBe("#ffffff");
    expect(foregroundFor("#ffcc00")).toBe("#000000");
  });
});

const msg = (seq: number, authorKind: MessageDto["authorKind"], clientId = `c${seq}`): MessageDto => ({
  id: `m${seq}`,
  conversationId: "conv",
  seq,
  authorKind,
  authorId: null,
  authorName: authorKind === "agent" ? "Ana" : null,
  body: `body ${seq}`,
  clientId,
  note: false,
  createdAt: new Date(0).toISOString(),
  attachments: [],
});

const conv = (over: Partial<ConversationDto>): ConversationDto => ({
  id: "conv",
  siteId: "s",
  visitorId: "v",
  status: "queued",
  assignee: null,
  lastSeq: 0,
  tags: [],
  rating: null,
  visitorReadSeq: 0,
  agentReadSeq: 0,
  createdAt: "",
  queuedAt: "",
  assignedAt: null,
  firstResponseAt: null,
  closedAt: null,
  ...over,
});

describe("messages", () => {
  it("merges replays and pushes in seq order, each seq once", () => {
    const merged = mergeMessages([msg(1, "visitor"), msg(3, "agent")], [msg(2, "agent"), msg(3, "agent"), msg(1, "visitor")]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it("shows sending, sent, delivered and read for the visitor's messages", () => {
    const stored = [msg(1, "visitor"), msg(2, "agent"), msg(3, "visitor")];
    expect(deliveryOf(stored[0], conv({}))).toBe("sent");
    expect(deliveryOf(stored[0], conv({ assignee: { id: "a", name: "Ana" } }))).toBe("delivered");
    const c = conv({ assignee: { id: "a", name: "Ana" }, agentReadSeq: 2 });
    const views = toViews(stored, [{ clientId: "c3", body: "dup", conversationId: "conv" }, { clientId: "new", body: "queued", conversationId: "conv" }], c);
    expect(views.map((v) => [v.key, v.state])).toEqual([
      ["c1", "read"],
      ["c2", null],
      ["c3", "delivered"],
      ["new", "sending"],
    ]);
    const failed = toViews([], [{ clientId: "x", body: "too long", conversationId: null, error: "errTooLong" }], null);
    expect(failed[0]).toMatchObject({ state: "failed", error: "errTooLong" });
  });

  it("counts the other side's messages after the read mark as unread", () => {
    const stored = [msg(1, "visitor"), msg(2, "agent"), msg(3, "system"), msg(4, "agent")];
    expect(unreadCount(stored, 0)).toBe(3);
    expect(unreadCount(stored, 2)).toBe(2);
    expect(unreadCount(stored, 4)).toBe(0);
  });
});

describe("links", () => {
  it("turns http(s) URLs into links and leaves everything else as text", () => {
    expect(linkify("see https://example.com/a?b=1. Thanks")).toEqual([{ text: "see " }, { text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" }, { text: ". Thanks" }]);
    expect(linkify("javascript:alert(1) and <a href=x>")).toEqual([{ text: "javascript:alert(1) and <a href=x>" }]);
    expect(linkify("(http://x.example)")).toEqual([{ text: "(" }, { text: "http://x.example", href: "http://x.example/" }, { text: ")" }]);
    expect(linkify("")).toEqual([]);
  });
});

describe("catalogues", () => {
  it("fills placeholders and leaves unknown ones visible", () => {
    expect(format(en.queue, { position: 3 })).toBe("You are number 3 in the queue.");
    expect(format(en.typing, {})).toBe("{name} is typing…");
    expect(format(loaderEn.withUnread, { label: "Open chat", count: 2 })).toBe("Open chat, 2 unread");
  });

  it("uses only the {placeholder} syntax and no markup", () => {
    for (const text of [...Object.values(en), ...Object.values(loaderEn)]) {
      expect(text).not.toMatch(/[<>]|\$\{|%s/);
    }
  });
});
