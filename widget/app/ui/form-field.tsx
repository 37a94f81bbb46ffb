// A labelled input for the pre-chat and offline forms, and the checks both forms share.
import type { MessageKey } from "../i18n/en.ts";
import { t } from "../i18n/t.ts";

export interface FieldSpec {
  key: string;
  label: string;
  type: "text" | "email" | "tel" | "textarea";
  required: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The first problem with the answers (a sentence to show), or null when they will do. */
export function problemWith(fields: readonly FieldSpec[], values: Record<string, string>): { key: string; text: string } | null {
  for (const f of fields) {
    const v = (values[f.key] ?? "").trim();
    if (f.required && !v) return { key: f.key, text: t("fieldRequired", { field: f.label }) };
    if (v && f.type === "email" && !EMAIL.test(v)) return { key: f.key, text: t("emailInvalid") };
  }
  return null;
}

export function labelFor(key: string, label: string, fallback: MessageKey | null): string {
  return label || (fallback ? t(fallback) : key);
}

export function Field({ spec, value, invalid, errorId, onInput }: { spec: FieldSpec; value: string; invalid: boolean; errorId: string; onInput: (v: string) => void }) {
  const id = "f-" + spec.key;
  const common = {
    id,
    name: spec.key,
    value,
    "aria-invalid": invalid || undefined,
    "aria-describedby": invalid ? errorId : undefined,
    "aria-required": spec.required || undefined,
    onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value),
  };
  return (
    <div class="fld">
      <label for={id}>
        {spec.label}
        {spec.required ? null : <span class="opt"> {t("optional")}</span>}
      </label>
      {spec.type === "textarea" ? <textarea rows={3} maxLength={5000} {...common} /> : <input type={spec.type} maxLength={spec.type === "email" ? 254 : 1000} autoComplete={spec.type === "email" ? "email" : spec.key === "name" ? "name" : "off"} {...common} />}
    </div>
  );
}
