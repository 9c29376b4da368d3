// Downloading what the shopper bought: ask the API for a short-lived link, let the browser save it.
import $ from "jquery/slim";

import { authRequest, currentUser, SessionExpiredError } from "./auth.js";
import { showFlash } from "./flash.js";
import { sessionExpired } from "./session.js";

/** Save the original photo of a paid order: a fresh link each time (links expire in minutes). */
export async function downloadOrder(orderId, button) {
  const $button = $(button);
  const label = $button.text();
  $button.prop("disabled", true).attr("aria-busy", "true").text("Preparing…");
  try {
    const link = await authRequest(`order/${encodeURIComponent(orderId)}/download/`, { method: "POST" });
    // The link answers with Content-Disposition: attachment, so the page stays where it is.
    const anchor = $("<a>", { href: link.url, download: link.filename, hidden: true }).appendTo("body");
    anchor[0].click();
    anchor.remove();
  } catch (error) {
    if (error instanceof SessionExpiredError) {
      sessionExpired({ route: "orders" });
    } else {
      showFlash(`The photo could not be downloaded. ${error.message}`, "danger");
    }
  } finally {
    $button.prop("disabled", false).removeAttr("aria-busy").text(label);
  }
}

/** A Download button for a paid order. */
export function downloadButton(orderId, { label = "Download", className = "btn btn-primary" } = {}) {
  return $("<button>", { type: "button", class: `${className} download`, "data-download-order": orderId })
    .text(label)
    .on("click", function onDownload() {
      downloadOrder(orderId, this);
    });
}

/** The shopper's downloadable orders by product id ({} when logged out or on error). */
export async function ownedPhotos({ signal } = {}) {
  if (!currentUser()) {
    return {};
  }
  try {
    const orders = await authRequest("order/", { signal });
    const owned = {};
    for (const order of orders) {
      if (order.downloadable && order.product && !(order.product.id in owned)) {
        owned[order.product.id] = order.id;
      }
    }
    return owned;
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    return {};
  }
}
