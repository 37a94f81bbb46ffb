// The pre-chat form and the offline form: a few fields, then the first message. Problems are
// announced (role=alert) and focus moves to the field that needs fixing.
import { useState } from "preact/hooks";
import { t } from "../i18n/t.ts";
import { Field, problemWith, type FieldSpec } from "./form-field.tsx";

export function DetailsForm({ intro, fields, submitLabel, onSubmit }: { intro: string; fields: FieldSpec[]; submitLabel: string; onSubmit: (values: Record<string, string>) => Promise<string | null> | string | null }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<{ key: string; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const found = problemWith(fields, values);
    setProblem(found);
    if (found) return void document.getElementById("f-" + found.key)?.focus();
    setBusy(true);
    const failed = await onSubmit(values);
    setBusy(false);
    if (failed) setProblem({ key: "", text: failed });
  };
  return (
    <form class="frm" onSubmit={submit} noValidate>
      <p>{intro}</p>
      {fields.map((f) => (
        <Field key={f.key} spec={f} value={values[f.key] ?? ""} invalid={problem?.key === f.key} errorId="frm-err" onInput={(v) => setValues({ ...values, [f.key]: v })} />
      ))}
      {problem ? (
        <p id="frm-err" class="err" role="alert">
          {problem.text}
        </p>
      ) : null}
      <button type="submit" class="btn" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** `required: false` lets a pre-chat visitor start with a file instead (the composer comes next). */
export const MESSAGE_FIELD = (required = true): FieldSpec => ({ key: "message", label: t("firstMessage"), type: "textarea", required });
