// What became of a payment, told wherever the shopper is: a message in a live region in the corner
// of the page, there even when the checkout dialog is closed (see checkout.js).
import $ from "jquery/slim";

import { downloadButton } from "./download.js";

function region() {
  let $region = $("#payment-outcomes");
  if (!$region.length) {
    $region = $("<div>", { id: "payment-outcomes", class: "payment-outcomes", "aria-live": "polite" }).appendTo("body");
  }
  return $region;
}

/**
 * Show what became of the payment of `title`: `kind` "success" (with the order's Download),
 * "danger" (refused: nothing was charged) or "warning" (not confirmed yet).
 */
export function showPaymentOutcome(title, { kind, message, orderId = null }) {
  const $alert = $("<div>", {
    class: `alert alert-${kind} shadow d-flex align-items-start gap-2`,
    role: kind === "danger" ? "alert" : "status",
    "data-payment-outcome": kind,
  });
  const $text = $("<div>", { class: "flex-grow-1" }).appendTo($alert);
  $("<strong>").text(title).appendTo($text);
  $("<p>", { class: "mb-0" }).text(message).appendTo($text);
  if (orderId) {
    const $actions = $("<div>", { class: "d-flex flex-wrap gap-2 mt-2" }).appendTo($text);
    $actions.append(downloadButton(orderId, { className: "btn btn-primary btn-sm" }));
    $("<a>", { href: `#/orders/${encodeURIComponent(orderId)}`, class: "btn btn-outline-secondary btn-sm" })
      .text("See the order")
      .appendTo($actions);
  }
  $("<button>", { type: "button", class: "btn-close", "aria-label": "Dismiss" })
    .on("click", () => $alert.remove())
    .appendTo($alert);
  region().append($alert);
}
