// The checkout's code (and Bootstrap's Modal with it) is not in the first script, the one that
// shows the catalog: it loads when a shopper buys, once the page is idle, or at once when a
// payment of this tab is still in flight (its outcome shows even with the dialog closed).
import { paymentsInFlight } from "./checkoutkeys.js";
import { showFlash } from "./flash.js";

// checkout.js, once loaded and started.
let checkout = null;
let loading = null;
// Counts closeCheckout() calls: a checkout asked for before the last one is not opened when its
// code arrives (the shopper went to another view meanwhile).
let closes = 0;

/** Load checkout.js and start it (once); resolve to the module. */
export function loadCheckout() {
  if (!loading) {
    loading = import("./checkout.js").then(
      (module) => {
        module.initCheckout();
        checkout = module;
        return module;
      },
      (error) => {
        loading = null; // the next checkout asks again
        throw error;
      },
    );
  }
  return loading;
}

/** Whether a payment this tab sent has no known outcome yet (see checkoutkeys.js). */
export function paymentsPending() {
  return Object.keys(paymentsInFlight()).length > 0;
}

/** Open the checkout dialog for `item`, loading its code first if needed. */
export function openCheckout(item, opener) {
  if (checkout) {
    checkout.openCheckout(item, opener);
    return;
  }
  const asked = closes;
  loadCheckout().then(
    (module) => {
      if (asked === closes) {
        module.openCheckout(item, opener);
      }
    },
    () => showFlash("The checkout could not load. Check your connection, or reload the page.", "danger"),
  );
}

export function closeCheckout() {
  closes++;
  if (checkout) {
    checkout.closeCheckout();
  }
}
