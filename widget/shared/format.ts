// Fills {name} placeholders of a catalogue string. Unknown placeholders stay visible, so a
// missing parameter shows up in review instead of rendering as "undefined".
export type Params = Record<string, string | number>;

export function format(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (params[key] === undefined ? whole : String(params[key])));
}
