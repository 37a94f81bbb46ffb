// One failed attachment claim fails only its own message: two messages written in one batch, and
// the attachment of one of them disappears while the batch writes (as when the orphan sweep deletes
// it at that moment, simulated by a database trigger): the other message is stored and answered.
import { describe, expect, it } from "vitest";
import { MessageWriter, type PostResult } from "../../server/conversations/message-writer.ts";
import { DomainError } from "../../server/errors.ts";
import { createSite } from "../../server/sites/service.ts";
import { createVisitor } from "../../server/visitors/service.ts";
import { dbKinds, migratedDatabase } from "../helpers/databases.ts";

const database = migratedDatabase();

const SWEEP_ON_INSERT = {
  sqlite: [
    `CREATE TRIGGER "a2_sweep" AFTER INSERT ON "Message" WHEN NEW."clientId" = 'victim' BEGIN DELETE FROM "Attachment" WHERE "id" = 'att_victim'; END`,
  ],
  postgres: [
    `CREATE FUNCTION a2_sweep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DELETE FROM "Attachment" WHERE "id" = 'att_victim'; RETURN NEW; END $$`,
    `CREATE TRIGGER a2_sweep AFTER INSERT ON "Message" FOR EACH ROW WHEN (NEW."clientId" = 'victim') EXECUTE FUNCTION a2_sweep()`,
  ],
};

describe.each(dbKinds())("attachment claims in a batch on %s", (kind) => {
  it("a claim that fails at write time fails only its message; the batch's other message is stored and acknowledged", async () => {
    const d = await database.open(kind);
    const db = d.prisma;
    const site = await createSite(db, { name: "s", origins: ["https://s.example"] });
    const { visitor } = await createVisitor(db, site.id);
    const conv = await db.conversation.create({ data: { siteId: site.id, visitorId: visitor.id } });
    const file = (id: string) => ({ id, siteId: site.id, conversationId: conv.id, uploaderKind: "visitor", uploaderId: visitor.id, name: `${id}.pdf`, mime: "application/pdf", size: 1, sha256: "0" });
    await db.attachment.createMany({ data: [file("att_good"), file("att_victim")] });
    for (const sql of SWEEP_ON_INSERT[kind]) await db.$executeRawUnsafe(sql);

    const w = new MessageWriter(db);
    const post = (clientId: string, attachmentId: string) =>
      w.post({ conversationId: conv.id, authorKind: "visitor", authorId: visitor.id, clientId, body: "", attachmentIds: [attachmentId] }).then((r) => r, (e: unknown) => e);
    // Posted in the same turn: the writer takes both into one batch.
    const [good, victim] = await Promise.all([post("good", "att_good"), post("victim", "att_victim")]);

    expect(good).not.toBeInstanceOf(Error);
    const stored = good as PostResult;
    expect(stored.created).toBe(true);
    expect(stored.message.attachments.map((a) => a.id)).toEqual(["att_good"]);
    expect(victim).toBeInstanceOf(DomainError);
    expect((victim as DomainError).code).toBe("conflict");
    const rows = await db.message.findMany({ where: { conversationId: conv.id }, orderBy: { seq: "asc" } });
    expect(rows.map((r) => [r.clientId, r.seq])).toEqual([["good", 1]]);
    expect((await db.attachment.findUniqueOrThrow({ where: { id: "att_good" } })).messageId).toBe(stored.message.id);
    expect((await db.conversation.findUniqueOrThrow({ where: { id: conv.id } })).lastSeq).toBe(1);
  });
});
