// Site settings → attachments: on/off, the per-file size limit (edited in MB, stored in bytes;
// the server caps it at PARLEY_ATTACHMENT_MAX_BYTES) and the allowed kinds of content.
import { useEffect, useState } from "preact/hooks";
import type { AttachmentCategory, AttachmentSettings } from "../../../server/protocol.ts";
import { ATTACHMENT_CATEGORIES } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { MB } from "../attachments/sizes.ts";

/** MB with at most one decimal, as an admin would type it */
const toMb = (bytes: number) => String(Math.round((bytes / MB) * 10) / 10);

export function AttachmentFields({ value, onChange }: { value: AttachmentSettings; onChange: (v: AttachmentSettings) => void }) {
  // The text as typed, so "2." or an empty field does not jump while editing.
  const [mb, setMb] = useState(toMb(value.maxBytes));
  // A value from outside (the saved settings, capped by the server) replaces what was typed.
  useEffect(() => {
    if (Math.round(Number(mb) * MB) !== value.maxBytes) setMb(toMb(value.maxBytes));
  }, [value.maxBytes]);
  const toggle = (c: AttachmentCategory, on: boolean) =>
    onChange({ ...value, types: ATTACHMENT_CATEGORIES.filter((x) => (x === c ? on : value.types.includes(x))) });
  return (
    <fieldset class="wide">
      <legend>{t("sites.attachments")}</legend>
      <label class="check">
        <input type="checkbox" name="attachmentsEnabled" checked={value.enabled} onChange={(e) => onChange({ ...value, enabled: e.currentTarget.checked })} />
        {t("sites.attachmentsEnabled")}
      </label>
      <label>
        {t("sites.attachmentsMaxMb")}
        <input
          type="number"
          name="attachmentsMaxMb"
          min={0.1}
          step={0.1}
          required
          value={mb}
          onInput={(e) => {
            const text = e.currentTarget.value;
            setMb(text);
            const n = Number(text);
            if (text !== "" && Number.isFinite(n) && n > 0) onChange({ ...value, maxBytes: Math.round(n * MB) });
          }}
        />
      </label>
      <div role="group" aria-label={t("sites.attachmentsTypes")} class="check-group">
        <span>{t("sites.attachmentsTypes")}</span>
        {ATTACHMENT_CATEGORIES.map((c) => (
          <label class="check" key={c}>
            <input type="checkbox" name={`attachmentType-${c}`} checked={value.types.includes(c)} onChange={(e) => toggle(c, e.currentTarget.checked)} />
            {t(`sites.attachmentType.${c}`)}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
