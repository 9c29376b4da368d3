// What the views do when the shopper's session ends or changes: the API no longer accepts the
// token, it expired, or another tab logged out or in.
import { logout, setAfterLogin } from "./auth.js";
import { queueFlash, showFlash } from "./flash.js";
import { currentRoute, navigate } from "./router.js";
import { dropToken, storedToken, tokenState } from "./token.js";

// Views that show a shopper's own data: they close when the shopper is gone.
const PRIVATE_ROUTES = new Set(["orders"]);

export function isPrivateRoute(name) {
  return PRIVATE_ROUTES.has(name);
}

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

/** The API refused to renew `token`: drop it; a private view asks to log in again. */
export function tokenRefused(token) {
  if (storedToken() !== token) {
    return; // replaced meanwhile (a log in in another tab)
  }
  const route = currentRoute();
  if (isPrivateRoute(route)) {
    sessionExpired({ route });
    return;
  }
  dropToken(token);
  showFlash("Your session has ended. Log in again to buy photos or see your orders.", "warning");
}

/** Another tab logged out or in as someone else, or the token expired or was removed: follow. */
export function shopperChangedElsewhere(user) {
  const route = currentRoute();
  if (!isPrivateRoute(route) || tokenState() === "renewable") {
    return; // (an expired token within its refresh window is being renewed: the same shopper comes back)
  }
  if (user) {
    navigate(route); // someone else's orders now: show theirs
  } else if (tokenState() === "expired") {
    sessionExpired({ route });
  } else {
    setAfterLogin({ route });
    queueFlash("You are logged out. Log in again to see your orders.", "primary");
    navigate("login");
  }
}
