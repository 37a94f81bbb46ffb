// The team's canned responses: list, create, edit, delete. Shared by every agent.
import { useEffect, useState } from "preact/hooks";
import type { CannedResponseDto } from "../../../server/protocol.ts";
import { MAX_MESSAGE_LENGTH } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { TableHead } from "../shared/table-head.tsx";
import { errorText } from "../../lib/errors.ts";
import { del, get, patch, post } from "../../lib/http.ts";

const BLANK = { shortcut: "", title: "", body: "" };

export function CannedPage() {
  const [items, setItems] = useState<CannedResponseDto[]>([]);
  const [form, setForm] = useState(BLANK);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = () => get<CannedResponseDto[]>("/canned-responses").then(setItems, (err: unknown) => setError(errorText(err)));
  useEffect(() => void reload(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      if (editing) await patch(`/canned-responses/${editing}`, form);
      else await post("/canned-responses", form);
      setForm(BLANK);
      setEditing(null);
      await reload();
    } catch (err) {
      setError(errorText(err));
    }
  };
  const field = (key: keyof typeof BLANK) => (e: Event) => setForm({ ...form, [key]: (e.currentTarget as HTMLInputElement).value });

  return (
    <div class="admin-page">
      <h1>{t("canned.title")}</h1>
      <p class="muted">{t("canned.intro")}</p>
      <form class="card form-grid" onSubmit={submit} aria-label={editing ? t("canned.edit") : t("canned.new")}>
        <h2>{editing ? t("canned.edit") : t("canned.new")}</h2>
        <label>
          {t("canned.shortcut")}
          <input name="shortcut" required maxLength={32} pattern="[A-Za-z0-9][A-Za-z0-9_\-]*" value={form.shortcut} onInput={field("shortcut")} />
        </label>
        <label>
          {t("canned.titleField")}
          <input name="title" required maxLength={120} value={form.title} onInput={field("title")} />
        </label>
        <label class="wide">
          {t("canned.body")}
          <textarea name="body" required rows={3} maxLength={MAX_MESSAGE_LENGTH} value={form.body} onInput={field("body")} />
        </label>
        {error && <p class="error wide" role="alert">{error}</p>}
        <div class="wide buttons">
          <button type="submit" class="primary">
            {editing ? t("common.save") : t("common.create")}
          </button>
          {editing && (
            <button
              type="button"
              onClick={() => {
                setEditing(null);
                setForm(BLANK);
              }}
            >
              {t("common.cancel")}
            </button>
          )}
        </div>
      </form>
      <table>
        <TableHead caption={t("canned.title")} columns={[t("canned.shortcut"), t("canned.titleField"), t("canned.body"), t("common.actions")]} />
        <tbody>
          {items.map((c) => (
            <tr key={c.id}>
              <td>/{c.shortcut}</td>
              <td>{c.title}</td>
              <td class="pre">{c.body}</td>
              <td class="buttons">
                <button
                  type="button"
                  onClick={() => {
                    setEditing(c.id);
                    setForm({ shortcut: c.shortcut, title: c.title, body: c.body });
                  }}
                >
                  {t("common.edit")}
                </button>
                <button
                  type="button"
                  onClick={() => {
                    if (!confirm(t("canned.confirmDelete", { shortcut: c.shortcut }))) return;
                    del(`/canned-responses/${c.id}`).then(reload, (err: unknown) => setError(errorText(err)));
                  }}
                >
                  {t("common.delete")}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
