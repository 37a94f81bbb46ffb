// One site's settings: origins, routing, theme, language and wording, pre-chat fields, business
// hours, identity secret and the snippet to copy.
import { useState } from "preact/hooks";
import type { PreChatField, SiteDto, SiteSettings, Weekday } from "../../../server/protocol.ts";
import { AttachmentFields } from "./attachment-fields.tsx";
import { t } from "../../i18n/t.ts";
import { errorText } from "../../lib/errors.ts";
import { patch, post } from "../../lib/http.ts";
import { splitLines } from "./sites-page.tsx";
import { WidgetLanguageFields } from "./widget-language-fields.tsx";

const DAYS: Weekday[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** "09:00-12:00, 13:00-17:00" <-> intervals */
function hoursText(list: { from: string; to: string }[] | undefined): string {
  return (list ?? []).map((i) => `${i.from}-${i.to}`).join(", ");
}
function parseHours(text: string): { from: string; to: string }[] {
  return text
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean)
    .map((x) => {
      const [from = "", to = ""] = x.split("-").map((y) => y.trim());
      return { from, to };
    });
}

export function SiteEditor({ site, onSaved }: { site: SiteDto; onSaved: (s: SiteDto) => void }) {
  const [name, setName] = useState(site.name);
  const [origins, setOrigins] = useState(site.allowedOrigins.join("\n"));
  const [routingMode, setRoutingMode] = useState(site.routingMode);
  const [capacity, setCapacity] = useState(site.defaultCapacity === null ? "" : String(site.defaultCapacity));
  const [settings, setSettings] = useState<SiteSettings>(site.settings);
  const [hours, setHours] = useState<Record<Weekday, string>>(() => Object.fromEntries(DAYS.map((d) => [d, hoursText(site.settings.businessHours?.days[d])])) as Record<Weekday, string>);
  const [showSecret, setShowSecret] = useState(false);
  const [secret, setSecret] = useState(site.identitySecret);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  const set = <K extends keyof SiteSettings>(key: K, value: SiteSettings[K]) => setSettings({ ...settings, [key]: value });
  const setField = (i: number, change: Partial<PreChatField>) =>
    set("preChat", { ...settings.preChat, fields: settings.preChat.fields.map((f, j) => (j === i ? { ...f, ...change } : f)) });

  const save = async (e: Event) => {
    e.preventDefault();
    setMessage(null);
    const businessHours = settings.businessHours
      ? { timezone: settings.businessHours.timezone, days: Object.fromEntries(DAYS.map((d) => [d, parseHours(hours[d])]).filter(([, v]) => v.length > 0)) }
      : null;
    try {
      const saved = await patch<SiteDto>(`/admin/sites/${site.id}`, {
        name,
        allowedOrigins: splitLines(origins),
        routingMode,
        defaultCapacity: capacity === "" ? null : Number(capacity),
        settings: { ...settings, businessHours },
      });
      onSaved(saved);
      setSettings(saved.settings);
      setMessage({ ok: true, text: t("common.saved") });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  const rotate = async () => {
    if (!confirm(t("sites.rotateConfirm"))) return;
    try {
      const saved = await post<SiteDto>(`/admin/sites/${site.id}/identity-secret`);
      setSecret(saved.identitySecret);
      setShowSecret(true);
      onSaved(saved);
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <form class="card site-editor form-grid" onSubmit={save} aria-label={t("sites.editing", { name: site.name })}>
      <h2 class="wide">{t("sites.editing", { name: site.name })}</h2>
      <label class="wide">
        {t("sites.snippet")}
        <textarea readOnly rows={2} class="mono" value={site.snippet} onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void navigator.clipboard?.writeText(site.snippet)}>
          {t("sites.copy")}
        </button>
      </label>
      <label>
        {t("sites.name")}
        <input name="name" required maxLength={120} value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        {t("sites.origins")}
        <textarea name="allowedOrigins" rows={3} value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />
      </label>
      <label>
        {t("sites.routingMode")}
        <select name="routingMode" value={routingMode} onChange={(e) => setRoutingMode(e.currentTarget.value === "manual" ? "manual" : "auto")}>
          <option value="auto">{t("sites.routingAuto")}</option>
          <option value="manual">{t("sites.routingManual")}</option>
        </select>
      </label>
      <label>
        {t("sites.capacity")}
        <input type="number" name="defaultCapacity" min={1} max={100} placeholder="3" value={capacity} onInput={(e) => setCapacity(e.currentTarget.value)} />
      </label>

      <fieldset class="wide">
        <legend>{t("sites.theme")}</legend>
        <label>
          {t("sites.color")}
          <input type="color" name="color" value={settings.color} onInput={(e) => set("color", e.currentTarget.value)} />
        </label>
        <label>
          {t("sites.position")}
          <select name="position" value={settings.position} onChange={(e) => set("position", e.currentTarget.value === "left" ? "left" : "right")}>
            <option value="right">{t("sites.right")}</option>
            <option value="left">{t("sites.left")}</option>
          </select>
        </label>
        <label>
          {t("sites.greeting")}
          <input name="greeting" maxLength={300} value={settings.greeting} onInput={(e) => set("greeting", e.currentTarget.value)} />
        </label>
        <label>
          {t("sites.launcherLabel")}
          <input name="launcherLabel" maxLength={40} value={settings.launcherLabel} onInput={(e) => set("launcherLabel", e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={settings.sound} onChange={(e) => set("sound", e.currentTarget.checked)} />
          {t("sites.sound")}
        </label>
        <label class="check">
          <input type="checkbox" checked={settings.titleFlash} onChange={(e) => set("titleFlash", e.currentTarget.checked)} />
          {t("sites.titleFlash")}
        </label>
        <WidgetLanguageFields settings={settings} set={set} />
      </fieldset>

      <fieldset class="wide">
        <legend>{t("sites.preChat")}</legend>
        <label class="check">
          <input type="checkbox" checked={settings.preChat.enabled} onChange={(e) => set("preChat", { ...settings.preChat, enabled: e.currentTarget.checked })} />
          {t("sites.preChatEnabled")}
        </label>
        {settings.preChat.fields.map((f, i) => (
          <div class="row" key={i}>
            <label>
              {t("sites.fieldKey")}
              <input value={f.key} maxLength={32} onInput={(e) => setField(i, { key: e.currentTarget.value })} />
            </label>
            <label>
              {t("sites.fieldLabel")}
              <input value={f.label} maxLength={80} onInput={(e) => setField(i, { label: e.currentTarget.value })} />
            </label>
            <label>
              {t("sites.fieldType")}
              <select value={f.type} onChange={(e) => setField(i, { type: e.currentTarget.value as PreChatField["type"] })}>
                <option value="text">text</option>
                <option value="email">email</option>
                <option value="tel">tel</option>
              </select>
            </label>
            <label class="check">
              <input type="checkbox" checked={f.required} onChange={(e) => setField(i, { required: e.currentTarget.checked })} />
              {t("sites.fieldRequired")}
            </label>
            <button type="button" onClick={() => set("preChat", { ...settings.preChat, fields: settings.preChat.fields.filter((_, j) => j !== i) })}>
              {t("common.remove")}
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set("preChat", { ...settings.preChat, fields: [...settings.preChat.fields, { key: "", label: "", type: "text", required: false }] })}>
          {t("sites.addField")}
        </button>
      </fieldset>

      <AttachmentFields value={settings.attachments} onChange={(v) => set("attachments", v)} />

      <fieldset class="wide">
        <legend>{t("sites.hours")}</legend>
        <label class="check">
          <input
            type="checkbox"
            checked={settings.businessHours !== null}
            onChange={(e) => set("businessHours", e.currentTarget.checked ? { timezone: Intl.DateTimeFormat().resolvedOptions().timeZone, days: {} } : null)}
          />
          {t("sites.hoursEnabled")}
        </label>
        {settings.businessHours && (
          <>
            <label>
              {t("sites.timezone")}
              <input value={settings.businessHours.timezone} onInput={(e) => set("businessHours", { ...settings.businessHours!, timezone: e.currentTarget.value })} />
            </label>
            {DAYS.map((d) => (
              <label key={d}>
                {t(`day.${d}`)}
                <input placeholder="09:00-17:00" value={hours[d]} onInput={(e) => setHours({ ...hours, [d]: e.currentTarget.value })} />
              </label>
            ))}
          </>
        )}
      </fieldset>

      <fieldset class="wide">
        <legend>{t("sites.identity")}</legend>
        <label class="check">
          <input type="checkbox" checked={settings.requireIdentity} onChange={(e) => set("requireIdentity", e.currentTarget.checked)} />
          {t("sites.requireIdentity")}
        </label>
        <p>
          <span class="mono">{showSecret ? secret : "••••••••••••"}</span>{" "}
          <button type="button" onClick={() => setShowSecret(!showSecret)}>
            {showSecret ? t("sites.hideSecret") : t("sites.showSecret")}
          </button>{" "}
          <button type="button" onClick={() => void rotate()}>
            {t("sites.rotate")}
          </button>
        </p>
        <p class="muted">{t("sites.identityHelp")}</p>
      </fieldset>

      {message && (
        <p class={`wide ${message.ok ? "success" : "error"}`} role={message.ok ? "status" : "alert"}>
          {message.text}
        </p>
      )}
      <div class="wide buttons">
        <button type="submit" class="primary">
          {t("common.save")}
        </button>
      </div>
    </form>
  );
}
