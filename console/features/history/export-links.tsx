// Download links for a transcript in each format the server offers.
import { t } from "../../i18n/t.ts";

const FORMATS = ["json", "csv", "txt", "html"] as const;

export function ExportLinks({ conversationId }: { conversationId: string }) {
  const base = `/api/v1/conversations/${encodeURIComponent(conversationId)}/transcript`;
  return (
    <p class="export-links">
      <span>{t("history.export")}</span>
      {FORMATS.map((f) => (
        <a key={f} href={`${base}.${f}`} download>
          {f.toUpperCase()}
        </a>
      ))}
      <a href={`${base}.json?notes=1`} download>
        {t("history.exportWithNotes")}
      </a>
    </p>
  );
}
