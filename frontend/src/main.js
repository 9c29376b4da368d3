// FrameSeller's single-page site: wire the views to the hash routes and start.
// This is the first script, the one the catalog needs; the other views and the checkout are
// loaded on demand (their own chunks), and fetched ahead once the page is idle.
import $ from "jquery/slim";

import { tokenState } from "./auth.js";
import { renderCatalog } from "./catalog.js";
import { closeCheckout, loadCheckout, paymentsPending } from "./checkoutloader.js";
import { showFlash } from "./flash.js";
import { initHeader } from "./header.js";
import { firstPhotosLoaded, noPhotosFirst } from "./images.js";
import { startOwnedSync } from "./ownedsync.js";
import { addRoute, beforeRoute, focusHeading, setNotFound, setTitle, startRouter } from "./router.js";
import { isPrivateRoute, sessionExpired, shopperChangedElsewhere, tokenRefused } from "./session.js";
import { startSessionSync } from "./sessionsync.js";
import { settings } from "./settings.js";
import { loadStripe } from "./stripe.js";
import { dropToken, onSessionChange, sameShopper, storedToken } from "./token.js";
import { renewExpired, startTokenRenewal } from "./tokenrenewal.js";

/** A view whose code is loaded the first time it is shown (or ahead, by its `prefetch`). */
function onDemand(load) {
  let render = null;
  const prefetch = () => load().then((loaded) => (render = loaded));
  function view($view, context) {
    if (render) {
      render($view, context);
      return;
    }
    $view.html($("#tpl-loading").html());
    prefetch().then(
      () => {
        if (!context.signal.aborted) {
          $view.empty();
          render($view, context);
        }
      },
      () => {
        if (!context.signal.aborted) {
          $view.empty();
          showFlash("This page could not load. Check your connection, or reload the page.", "danger");
        }
      },
    );
  }
  view.prefetch = prefetch;
  return view;
}

const views = {
  orders: onDemand(() => import("./orders.js").then((module) => module.renderOrders)),
  photo: onDemand(() => import("./photo.js").then((module) => module.renderPhoto)),
  login: onDemand(() => import("./login.js").then((module) => module.renderLogin)),
  signup: onDemand(() => import("./signup.js").then((module) => module.renderSignup)),
  reset: onDemand(() => import("./reset.js").then((module) => module.renderReset)),
};

/** An address or route the site does not have: say so, with a way back to the photos. */
function renderNotFound($view) {
  $view.append($("#tpl-not-found").html());
  setTitle("Page not found");
  focusHeading($view);
}

// The site is one page, at "/" (or "/index.html"); its server answers it for an address it does not
// have (frameseller/sitepage.py): that page says so, from the site's own address.
if (!/(^|\/)(index\.html)?$/.test(window.location.pathname)) {
  window.history.replaceState(null, "", new URL("/#/not-found", window.location.href));
}

addRoute("catalog", renderCatalog);
setNotFound(renderNotFound);
for (const [name, view] of Object.entries(views)) {
  addRoute(name, view);
}

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
// A payment sent before this page view (a reload) has its outcome to learn and show: now.
if (paymentsPending()) {
  loadCheckout().catch(() => {});
}
startSessionSync();
startOwnedSync();
startTokenRenewal({ refused: tokenRefused });
// A token that expired while the page was closed is renewed before the first view (one request,
// only then): the shopper comes back logged in.
renewExpired().finally(() => startRouter("catalog"));
if (!settings.configured) {
  showFlash("This page is missing its settings; the shop may not work.", "danger");
}
// Stripe.js, the checkout and the other views load in the background, once the page has loaded,
// the photos in view have arrived and the browser is idle, so that they are ready when a shopper pays
// or moves on without slowing the catalog's first load, or its first photos, down.
const FIRST_PHOTOS_WAIT_MS = 4000;
const firstRoute = window.location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
if (firstRoute && firstRoute !== "catalog" && firstRoute !== "photo") {
  noPhotosFirst();
}
function loadRestWhenIdle() {
  const idle = window.requestIdleCallback || ((callback) => setTimeout(callback, 200));
  idle(
    () => {
      loadStripe().catch(() => {});
      loadCheckout().catch(() => {});
      for (const view of Object.values(views)) {
        view.prefetch().catch(() => {});
      }
    },
    { timeout: 3000 },
  );
}
const pageLoaded =
  document.readyState === "complete"
    ? Promise.resolve()
    : new Promise((resolve) => window.addEventListener("load", resolve, { once: true }));
const photosOrTimeout = Promise.race([
  firstPhotosLoaded(),
  new Promise((resolve) => setTimeout(resolve, FIRST_PHOTOS_WAIT_MS)),
]);
Promise.all([pageLoaded, photosOrTimeout]).then(loadRestWhenIdle);
