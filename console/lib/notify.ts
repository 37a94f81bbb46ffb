// Optional desktop notifications: only when the agent allowed them and the tab is hidden.
export function notificationsSupported(): boolean {
  return typeof Notification !== "undefined";
}

export function notificationsAllowed(): boolean {
  return notificationsSupported() && Notification.permission === "granted";
}

export async function askNotificationPermission(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  return (await Notification.requestPermission()) === "granted";
}

export function notify(title: string, body: string, tag: string, onClick: () => void): void {
  if (!notificationsAllowed() || !document.hidden) return;
  const n = new Notification(title, { body: body.slice(0, 200), tag });
  n.onclick = () => {
    window.focus();
    onClick();
    n.close();
  };
}
