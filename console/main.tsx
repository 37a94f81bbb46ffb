import { render } from "preact";
import "./styles.css";
import { App } from "./app.tsx";
import { setLanguage } from "./i18n/t.ts";

setLanguage(navigator.language);
const root = document.getElementById("app");
if (root) render(<App />, root);
