// FrameSeller's single-page site: wire the views to the hash routes and start.
import { tokenState } from "./auth.js";
import { renderCatalog } from "./catalog.js";
import { closeCheckout, initCheckout } from "./checkout.js";
import { showFlash } from "./flash.js";
import { initHeader } from "./header.js";
import { renderLogin } from "./login.js";
import { renderOrders } from "./orders.js";
import { renderPhoto } from "./photo.js";
import { renderReset } from "./reset.js";
import { addRoute, beforeRoute, startRouter } from "./router.js";
import { isPrivateRoute, sessionExpired, shopperChangedElsewhere, tokenRefused } from "./session.js";
import { startSessionSync } from "./sessionsync.js";
import { settings } from "./settings.js";
import { renderSignup } from "./signup.js";
import { loadStripe } from "./stripe.js";
import { dropToken, onSessionChange, sameShopper, storedToken } from "./token.js";
import { startTokenRenewal } from "./tokenrenewal.js";

addRoute("catalog", renderCatalog);
addRoute("orders", renderOrders);
addRoute("photo", renderPhoto);
addRoute("login", renderLogin);
addRoute("signup", renderSignup);
addRoute("reset", renderReset);

beforeRoute((name) => {
  closeCheckout();
  // A token that expired while the page was closed (or the device slept).
  if (tokenState() === "expired" && name !== "login") {
    if (isPrivateRoute(name)) {
      sessionExpired({ route: name });
      return false;
    }
    // A stale token is no reason to keep a visitor from the public views: drop it quietly.
    dropToken(storedToken());
  }
  return true;
});

// The shopper changed without this tab doing it (another tab, an expiry, a token removed).
onSessionChange((user, previous, { local }) => {
  if (!local && !sameShopper(user, previous)) {
    closeCheckout();
    shopperChangedElsewhere(user);
  }
});

initHeader();
initCheckout();
startSessionSync();
startTokenRenewal({ refused: tokenRefused });
startRouter("catalog");
if (!settings.configured) {
  showFlash("This page is missing its settings; the shop may not work.", "danger");
}
// Stripe.js loads in the background, once the page has loaded and the browser is idle, so that
// the card field is ready when a shopper pays without slowing the catalog's first load down.
function loadStripeWhenIdle() {
  const idle = window.requestIdleCallback || ((callback) => setTimeout(callback, 200));
  idle(() => loadStripe().catch(() => {}), { timeout: 3000 });
}
if (document.readyState === "complete") {
  loadStripeWhenIdle();
} else {
  window.addEventListener("load", loadStripeWhenIdle, { once: true });
}
