// Messages for the site's developers, in the host page's console (never thrown).
export const warn = (text: string): void => console.warn("Parley: " + text);
