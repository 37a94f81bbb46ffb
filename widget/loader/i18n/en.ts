// The loader's strings (English). Same {placeholder} syntax as the app's catalogue; kept apart so
// the loader stays tiny and a language can be swapped without loading the app.
export const en = {
  open: "Open chat",
  close: "Close chat",
  /** launcher name with unread messages; {label} is "Open chat" or the site's launcher label */
  withUnread: "{label}, {count} unread",
  frameTitle: "Chat",
  titleFlash: "({count}) New message",
};

export type LoaderCatalogue = typeof en;
