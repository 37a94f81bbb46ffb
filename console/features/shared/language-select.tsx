// A <select> of the shipped languages, each by its own name, after a first "follow the
// browser" choice whose value is `autoValue`.
import { LANGUAGE_OPTIONS } from "../../i18n/language-names.ts";

export function LanguageSelect(props: { label: string; autoLabel: string; autoValue: string; value: string; disabled?: boolean; onChange: (value: string) => void }) {
  return (
    <label>
      {props.label}
      <select name="language" value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value={props.autoValue}>{props.autoLabel}</option>
        {LANGUAGE_OPTIONS.map((o) => (
          <option key={o.locale} value={o.locale} lang={o.locale}>
            {o.name}
          </option>
        ))}
      </select>
    </label>
  );
}
