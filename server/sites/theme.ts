// Text colour for a site's brand colour: whichever of white and black contrasts more.
// One of the two always reaches at least 4.5:1 (WCAG AA for normal text), whatever the colour.
const LIGHT = "#ffffff";
const DARK = "#000000";

function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

export function foregroundFor(color: string): string {
  return contrastRatio(color, LIGHT) >= contrastRatio(color, DARK) ? LIGHT : DARK;
}
