// The shape of Site.settings (a JSON text column): what the widget looks like and how it behaves
// on one site. The admin API validates edits with `siteSettingsSchema`/`applySettingsPatch`; the
// widget reads them through `siteSettingsOf`, which never throws on old or hand-edited rows.
import { z } from "zod";
import { ATTACHMENT_CATEGORIES, type AttachmentCategory, type SiteSettings } from "../protocol.ts";
import { en as appStrings } from "../../widget/app/i18n/en.ts";
import { en as loaderStrings } from "../../widget/loader/i18n/en.ts";
import { LOCALES } from "../../widget/shared/locales.ts";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;

const hhmm = z.string().regex(/^(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "a time like 09:30 (24:00 ends the day)");
const interval = z.strictObject({ from: hhmm, to: hhmm }).refine((i) => i.from < i.to, "from must be before to (split overnight hours in two)");

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const dayShape = Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(interval).max(4).optional()])) as Record<
  (typeof WEEKDAYS)[number],
  z.ZodOptional<z.ZodArray<typeof interval>>
>;

export const businessHoursSchema = z.strictObject({
  timezone: z.string().min(1).max(64).refine(isTimeZone, "an IANA time zone such as Europe/Paris"),
  /** days without an entry are closed all day */
  days: z.strictObject(dayShape),
});

// `name` and `email` are the visitor's own fields; any other key is stored as a visitor attribute.
const preChatField = z.strictObject({
  key: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, "letters, digits and _ (starting with a letter), at most 32"),
  /** shown above the input; empty means the widget's own wording (for name and email) */
  label: z.string().trim().max(80).default(""),
  type: z.enum(["text", "email", "tel"]).default("text"),
  required: z.boolean().default(false),
});

/** every widget string a site may reword: the chat app's and the launcher's catalogue keys */
export const WIDGET_STRING_KEYS: readonly string[] = [...Object.keys(appStrings), ...Object.keys(loaderStrings)];

const widgetStrings = z
  .record(z.string(), z.string().trim().min(1, "an override cannot be empty (remove it to use the catalogue)").max(300))
  .refine((o) => Object.keys(o).length <= WIDGET_STRING_KEYS.length, "too many overrides")
  .superRefine((o, ctx) => {
    for (const key of Object.keys(o)) {
      if (!WIDGET_STRING_KEYS.includes(key)) ctx.addIssue({ code: "custom", path: [key], message: `unknown widget string "${key}"` });
    }
  });

export const DEFAULT_COLOR = "#1f5fd1";

/** default per-file limit of a site (docs/attachments.md) */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024;
/** what a site may ask for at most; the installation's PARLEY_ATTACHMENT_MAX_BYTES caps it further */
export const ATTACHMENT_MAX_BYTES_LIMIT = 1024 * 1024 * 1024;

const attachmentSettings = z.strictObject({
  enabled: z.boolean().default(true),
  maxBytes: z.number().int().min(1).max(ATTACHMENT_MAX_BYTES_LIMIT).default(DEFAULT_ATTACHMENT_MAX_BYTES),
  types: z
    .array(z.enum(ATTACHMENT_CATEGORIES as [AttachmentCategory, ...AttachmentCategory[]]))
    .refine((ts) => new Set(ts).size === ts.length, "types must be unique")
    .default([...ATTACHMENT_CATEGORIES]),
});

export const siteSettingsSchema = z.strictObject({
  /** brand colour of the launcher and the widget header, #rrggbb */
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, "a colour like #1f5fd1").default(DEFAULT_COLOR),
  position: z.enum(["left", "right"]).default("right"),
  /** first line the visitor reads; empty means the widget's default greeting */
  greeting: z.string().trim().max(300).default(""),
  /** text beside the launcher icon; empty shows the icon alone */
  launcherLabel: z.string().trim().max(40).default(""),
  preChat: z
    .strictObject({
      enabled: z.boolean().default(false),
      fields: z
        .array(preChatField)
        .max(10)
        .refine((fs) => new Set(fs.map((f) => f.key)).size === fs.length, "field keys must be unique")
        .default([]),
    })
    .default({ enabled: false, fields: [] }),
  /** refuse Parley('identify') calls without a valid hash (HMAC-SHA256 of the id) */
  requireIdentity: z.boolean().default(false),
  /** null: always open (as long as an agent is online) */
  businessHours: businessHoursSchema.nullable().default(null),
  /** a short sound on new agent messages while the widget is closed; off by default */
  sound: z.boolean().default(false),
  /** flash the host page's title on new agent messages while the widget is closed; off by default */
  titleFlash: z.boolean().default(false),
  /** "auto": the visitor's browser languages decide */
  language: z.enum(["auto", ...LOCALES]).default("auto"),
  /** per-site wording that wins over every catalogue */
  strings: widgetStrings.default({}),
  /** files and voice notes: on, 10 MB, every category by default */
  attachments: attachmentSettings.default({ enabled: true, maxBytes: DEFAULT_ATTACHMENT_MAX_BYTES, types: [...ATTACHMENT_CATEGORIES] }),
});

// Keeps the wire type (protocol.ts, used by the browser) and the schema in step at compile time.
type Parsed = z.infer<typeof siteSettingsSchema>;
const _sameShape: [Parsed extends SiteSettings ? true : false, SiteSettings extends Parsed ? true : false] = [true, true];
void _sameShape;

export const DEFAULT_SETTINGS: SiteSettings = siteSettingsSchema.parse({});

/**
 * A site's settings from its stored JSON. A stored value that no longer validates falls back to
 * its default key by key, so one bad field never takes the widget down.
 */
export function siteSettingsOf(site: { settings: string }): SiteSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(site.settings);
  } catch {
    return structuredClone(DEFAULT_SETTINGS);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return structuredClone(DEFAULT_SETTINGS);
  const whole = siteSettingsSchema.safeParse(raw);
  if (whole.success) return whole.data;
  const good: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in siteSettingsSchema.shape)) continue;
    if (siteSettingsSchema.safeParse({ [key]: value }).success) good[key] = value;
  }
  return siteSettingsSchema.parse(good);
}

/**
 * Validates a partial update (top-level keys replace the current values) and returns the full
 * settings to store. Throws the zod error for the adapter to turn into a 400.
 */
export function applySettingsPatch(current: SiteSettings, patch: unknown): SiteSettings {
  const keys = z.record(z.string(), z.unknown()).parse(patch);
  return siteSettingsSchema.parse({ ...current, ...keys });
}
