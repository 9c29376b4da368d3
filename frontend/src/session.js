// What happens when the API no longer accepts the shopper's token.
import { logout, setAfterLogin } from "./auth.js";
import { queueFlash } from "./flash.js";
import { navigate } from "./router.js";

/** Send the shopper to log in, remembering what they were doing: {productId} (buying) or {route}. */
export function sessionExpired(intent) {
  logout();
  if (intent) {
    setAfterLogin(intent);
  }
  queueFlash("Your session has expired. Please log in again.", "warning");
  navigate("login");
}

/** Ask a visitor to log in first, then come back to `intent` ({productId} or {route}). */
export function loginRequired(message, intent) {
  setAfterLogin(intent);
  queueFlash(message, "primary");
  navigate("login");
}
