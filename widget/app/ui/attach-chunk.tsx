// The attachment code, built as its own file (widget/build.mjs: attach.<hash>.js) and loaded by
// attach-loader.tsx only when a visitor first adds a file, records, or sees a message with
// files: most chats never need it, so it stays out of what every visitor downloads. Preact and
// the catalogue come from the app (one instance each), see build.mjs.
import { startRecording } from "../client/recorder.ts";
import { Attachments } from "./attachment.tsx";
import { TrayPanel } from "./tray.tsx";

const kit = { Attachments, TrayPanel, startRecording };
export type AttachKit = typeof kit;

const take = (self as unknown as { parleyAttach?: (k: AttachKit) => void }).parleyAttach;
if (take) take(kit);
