// Opt-in desktop notifications: the browser asks only after the agent clicks.
import { useState } from "preact/hooks";
import { t } from "../../i18n/t.ts";
import { askNotificationPermission, notificationsSupported } from "../../lib/notify.ts";

export function NotificationsToggle() {
  const [permission, setPermission] = useState(notificationsSupported() ? Notification.permission : "denied");
  if (permission !== "default") return null;
  return (
    <button type="button" onClick={() => void askNotificationPermission().then(() => setPermission(Notification.permission))}>
      {t("notify.enable")}
    </button>
  );
}
