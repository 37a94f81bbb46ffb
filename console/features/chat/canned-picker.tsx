// The "/" menu of canned responses under the composer.
import { useEffect, useState } from "preact/hooks";
import type { CannedResponseDto } from "../../../server/protocol.ts";
import { t } from "../../i18n/t.ts";
import { get, query } from "../../lib/http.ts";

/** Canned responses matching `q` (null: the picker is closed). */
export function useCannedSearch(q: string | null): CannedResponseDto[] {
  const [items, setItems] = useState<CannedResponseDto[]>([]);
  useEffect(() => {
    if (q === null) {
      setItems([]);
      return;
    }
    let live = true;
    get<CannedResponseDto[]>(`/canned-responses${query({ q })}`).then(
      (r) => live && setItems(r.slice(0, 8)),
      () => live && setItems([]),
    );
    return () => {
      live = false;
    };
  }, [q]);
  return items;
}

export function CannedPicker(props: { items: CannedResponseDto[]; active: number; onPick: (c: CannedResponseDto) => void }) {
  if (props.items.length === 0) return <p class="canned-empty muted">{t("canned.none")}</p>;
  return (
    <ul id="canned-list" class="canned-picker" role="listbox" aria-label={t("canned.pickerLabel")}>
      {props.items.map((c, i) => (
        <li
          key={c.id}
          role="option"
          aria-selected={i === props.active}
          class={i === props.active ? "active" : undefined}
          onMouseDown={(e) => {
            e.preventDefault();
            props.onPick(c);
          }}
        >
          <span class="canned-shortcut">/{c.shortcut}</span> <span class="canned-title">{c.title}</span>
          <span class="canned-body muted">{c.body}</span>
        </li>
      ))}
    </ul>
  );
}
