// FrameSeller's single-page site: wire the views to the hash routes and start.
import { tokenState } from "./auth.js";
import { renderCatalog } from "./catalog.js";
import { closeCheckout, initCheckout } from "./checkout.js";
import { showFlash } from "./flash.js";
import { initHeader } from "./header.js";
import { renderLogin } from "./login.js";
import { renderOrders } from "./orders.js";
import { renderPhoto } from "./photo.js";
import { addRoute, beforeRoute, startRouter } from "./router.js";
import { sessionExpired } from "./session.js";
import { settings } from "./settings.js";
import { renderSignup } from "./signup.js";
import { loadStripe } from "./stripe.js";

addRoute("catalog", renderCatalog);
addRoute("orders", renderOrders);
addRoute("photo", renderPhoto);
addRoute("login", renderLogin);
addRoute("signup", renderSignup);

beforeRoute((name) => {
  closeCheckout();
  // A token that expired while the page was open (or since the last visit).
  if (tokenState() === "expired" && name !== "login") {
    sessionExpired(name === "orders" ? { route: "orders" } : undefined);
    return false;
  }
  return true;
});

initHeader();
initCheckout();
startRouter("catalog");
if (!settings.configured) {
  showFlash("This site is missing its config.js; the shop may not work.", "danger");
}
// Stripe.js loads in the background so the card field is ready when a shopper pays.
loadStripe().catch(() => {});
