// Keep this tab's idea of the shopper in step with the token actually held in localStorage:
// another tab logging in or out (storage events), a token removed by hand, or one that expired
// while the page was open (checked when the page comes back and every second while it is shown).
import { checkSession, TOKEN_STORAGE_KEY } from "./token.js";

const CHECK_EVERY = 1000;

export function startSessionSync() {
  window.addEventListener("storage", (event) => {
    // key null: the whole storage was cleared.
    if (event.key === null || event.key === TOKEN_STORAGE_KEY) {
      checkSession();
    }
  });
  window.addEventListener("focus", () => checkSession());
  document.addEventListener("visibilitychange", () => checkSession());
  // Reading one localStorage key: cheap enough to do every second while the page is shown.
  setInterval(() => {
    if (document.visibilityState === "visible") {
      checkSession();
    }
  }, CHECK_EVERY);
}
