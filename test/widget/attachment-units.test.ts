// Pure pieces of the widget's attachments: the pre-check against the site's settings (the server
// decides, but the widget refuses the obvious at once), sizes and durations as shown, and the
// views of messages carrying files (stored ones and ones still in the outbox).
import { describe, expect, it } from "vitest";
import type { AttachmentDto, AttachmentSettings, ConversationDto, MessageDto } from "../../server/protocol.ts";
import { toViews } from "../../widget/app/client/messages.ts";
import { claimedCategory, precheck } from "../../widget/app/client/uploads.ts";
import { duration, fileSize } from "../../widget/app/ui/format.ts";

const ALL: AttachmentSettings = { enabled: true, maxBytes: 10 * 1024 * 1024, types: ["image", "pdf", "text", "office", "audio"] };
const file = (size: number, type: string) => new Blob([new Uint8Array(size)], { type });

describe("upload pre-check", () => {
  it("knows the categories a browser claims, and refuses markup and programs whatever the site allows", () => {
    expect(claimedCategory("image/png")).toBe("image");
    expect(claimedCategory("image/webp")).toBe("image");
    expect(claimedCategory("application/pdf")).toBe("pdf");
    expect(claimedCategory("audio/webm")).toBe("audio");
    expect(claimedCategory("text/plain")).toBe("text");
    expect(claimedCategory("text/csv")).toBe("text");
    expect(claimedCategory("application/vnd.openxmlformats-officedocument.wordprocessingml.document")).toBe("office");
    expect(claimedCategory("application/vnd.oasis.opendocument.spreadsheet")).toBe("office");
    expect(claimedCategory("application/msword")).toBe("office");
    for (const t of ["image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/x-msdownload", "application/zip", "text/javascript"]) expect(claimedCategory(t), t).toBe("refused");
    // Unknown or unclaimed: the server sniffs the bytes.
    expect(claimedCategory("")).toBeNull();
    expect(claimedCategory("application/json")).toBeNull();
  });

  it("refuses what is too large or of a category the site does not take; lets the rest go to the server", () => {
    expect(precheck(file(100, "image/png"), ALL)).toBeNull();
    expect(precheck(file(100, ""), ALL)).toBeNull();
    expect(precheck(file(2000, "application/pdf"), { ...ALL, maxBytes: 1000 })).toBe("too_large");
    expect(precheck(file(1000, "application/pdf"), { ...ALL, maxBytes: 1000 })).toBeNull();
    expect(precheck(file(10, "audio/webm"), { ...ALL, types: ["image", "pdf"] })).toBe("unsupported_type");
    expect(precheck(file(10, "image/svg+xml"), ALL)).toBe("unsupported_type");
  });
});

describe("attachment display", () => {
  it("shows sizes in the widget's units and durations as a recorder's clock", () => {
    expect(fileSize(200)).toBe("200 bytes");
    expect(fileSize(3000)).toBe("3 kB");
    expect(fileSize(10 * 1024 * 1024)).toBe("10 MB");
    expect(fileSize(1.5 * 1024 * 1024)).toBe("1.5 MB");
    expect(duration(999)).toBe("0:00");
    expect(duration(1500)).toBe("0:01");
    expect(duration(67_000)).toBe("1:07");
  });

  it("gives stored and queued messages their attachments; an older stored message without the field has none", () => {
    const a: AttachmentDto = { id: "att1", name: "a.pdf", mime: "application/pdf", size: 10, kind: "file", durationMs: null, url: "/api/v1/attachments/att1" };
    const stored = { id: "m1", conversationId: "conv", seq: 1, clientId: "c1", authorKind: "agent", authorName: "Ana", body: "", createdAt: "2026-01-01T00:00:00.000Z", attachments: [a] } as unknown as MessageDto;
    const legacy = { ...stored, seq: 2, clientId: "c2", body: "old", attachments: undefined } as unknown as MessageDto;
    const views = toViews([stored, legacy], [{ clientId: "q1", body: "", conversationId: "conv", attachments: [a] }], { id: "conv", agentReadSeq: 0, assignee: null } as unknown as ConversationDto);
    expect(views.map((v) => [v.key, v.attachments.map((x) => x.id)])).toEqual([
      ["c1", ["att1"]],
      ["c2", []],
      ["q1", ["att1"]],
    ]);
  });
});
