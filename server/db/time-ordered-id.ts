// Row ids that sort by creation time (the UUID version 7 layout: 48 bits of Unix milliseconds,
// then 74 random bits). A random id lands anywhere in its primary-key index, so each new row
// dirtied its own index page, which SQLite writes to the WAL at commit; time-ordered ids append to
// the same few pages. Still unguessable enough for an id (not a secret: ids are not capabilities).
import { randomFillSync } from "node:crypto";

const random = Buffer.alloc(4096);
let offset = random.length;

/** Ten random bytes from a pooled buffer (one getrandom call per ~400 ids). */
function tenRandomBytes(): Buffer {
  if (offset + 10 > random.length) {
    randomFillSync(random);
    offset = 0;
  }
  offset += 10;
  return random.subarray(offset - 10, offset);
}

export function timeOrderedId(now = Date.now()): string {
  const time = now.toString(16).padStart(12, "0");
  const r = tenRandomBytes().toString("hex");
  // version 7 in the 13th digit, the RFC 4122 variant (8-b) in the 17th
  const variant = ((parseInt(r[3], 16) & 0x3) | 0x8).toString(16);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${r.slice(0, 3)}-${variant}${r.slice(4, 7)}-${r.slice(7, 19)}`;
}
