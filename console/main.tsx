import { render } from "preact";
import "./styles.css";
import { App } from "./app.tsx";
import { setLanguage } from "./i18n/t.ts";

// The browser's language until the signed-in agent's profile says otherwise (see App).
setLanguage(null);
const root = document.getElementById("app");
if (root) render(<App />, root);
