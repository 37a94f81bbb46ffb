// Tags as removable chips plus an input; Enter or comma adds one.
import { useState } from "preact/hooks";
import type { ConversationSummaryDto } from "../../../server/protocol.ts";
import { MAX_TAG_LENGTH } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { setTags } from "../../state/actions.ts";

export function TagEditor({ conv }: { conv: ConversationSummaryDto }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const save = (tags: string[]) => {
    setError(null);
    setTags(conv.id, tags).catch((err: unknown) => setError(errorText(err)));
  };
  const add = () => {
    const tag = text.trim();
    if (!tag) return;
    setText("");
    if (!conv.tags.includes(tag.toLowerCase())) save([...conv.tags, tag]);
  };
  return (
    <div class="tags">
      <ul aria-label={t("tags.label")}>
        {conv.tags.map((tag) => (
          <li key={tag} class="tag">
            {tag}
            <button type="button" class="tag-remove" aria-label={t("tags.remove", { tag })} onClick={() => save(conv.tags.filter((x) => x !== tag))}>
              ×
            </button>
          </li>
        ))}
      </ul>
      <label>
        <span class="visually-hidden">{t("tags.add")}</span>
        <input
          name="tag"
          value={text}
          maxLength={MAX_TAG_LENGTH}
          placeholder={t("tags.placeholder")}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" || e.key === ",") {
              e.preventDefault();
              add();
            }
          }}
        />
      </label>
      {error && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}
