// Values of the wire protocol the UI needs at run time (protocol.ts is imported for types only).
/** mirrors OFFLINE_TAG in server/protocol.ts: the tag of conversations left through the offline form */
export const OFFLINE_TAG_TEXT = "offline";
