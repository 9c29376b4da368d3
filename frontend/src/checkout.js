// The checkout dialog: the photo, its price, a Stripe card field, Pay.
import Modal from "bootstrap/js/src/modal.js";
import $ from "jquery/slim";

import { ApiError } from "./api.js";
import { authRequest, SessionExpiredError } from "./auth.js";
import { formatDateTime, formatPrice } from "./format.js";
import { setPhoto } from "./images.js";
import { statusBadge } from "./orders.js";
import { sessionExpired } from "./session.js";
import { settings } from "./settings.js";
import { loadStripe } from "./stripe.js";

let $dialog;
let modal;
let card = null;
let product = null;
let attempt = 0; // the payment in flight; answers to older ones are ignored
let returnFocusTo = null;

function field(name) {
  return $dialog.find(`[data-field="${name}"]`);
}

function showError(message) {
  field("error").text(message).prop("hidden", !message);
}

function setPaying(paying) {
  const $pay = field("pay").prop("disabled", paying).attr("aria-busy", String(paying));
  $pay.find(".spinner-border").prop("hidden", !paying);
  $pay.find(".label").text(paying ? "Paying…" : `Pay ${formatPrice(product.price, product.currency)}`);
}

function destroyCard() {
  if (card) {
    card.destroy();
    card = null;
  }
  $("#card-field").empty();
}

async function mountCard() {
  destroyCard();
  field("pay").prop("disabled", true);
  try {
    const stripe = await loadStripe();
    card = stripe.elements().create("card");
    card.mount("#card-field");
    card.on("change", (event) => {
      // Real Stripe reports the card's errors as you type; the emulator sends no event.
      showError(event && event.error ? event.error.message : "");
    });
    // The local emulator mounts plain inputs: give them names a screen reader can read.
    $("#card-field input").each(function label() {
      const $input = $(this);
      if (!$input.attr("aria-label")) {
        $input.attr("aria-label", `Card ${$input.attr("placeholder").replace("_", " ")}`);
      }
    });
    field("pay").prop("disabled", false);
    return stripe;
  } catch (error) {
    showError(error.message);
    return null;
  }
}

function showSuccess(order) {
  const $success = field("success");
  const orderProduct = order.product || product;
  $success.find("[data-order=id]").text(`#${order.id}`);
  $success.find("[data-order=title]").text(orderProduct.title || orderProduct.description);
  $success.find("[data-order=price]").text(formatPrice(orderProduct.price, orderProduct.currency));
  $success.find("[data-order=date]").text(formatDateTime(order.orderdate));
  $success.find("[data-order=status]").empty().append(statusBadge(order.paymentstatus));
  $dialog.find("#checkout-form").prop("hidden", true);
  $success.prop("hidden", false);
  $success.find("h3").attr("tabindex", "-1").trigger("focus");
}

async function pay(stripe) {
  const current = ++attempt;
  showError("");
  setPaying(true);
  try {
    let result;
    try {
      result = await stripe.createToken(card);
    } catch {
      result = { error: { message: "Please fill in your card details." } };
    }
    if (current !== attempt) {
      return;
    }
    if (result.error) {
      showError(result.error.message || "Your card details could not be checked. Please try again.");
      return;
    }
    const answer = await authRequest("order/", {
      method: "POST",
      // A fresh key per attempt: a retried request can't charge twice.
      headers: { "Idempotency-Key": crypto.randomUUID() },
      body: { token: result.token.id, product: product.id },
    });
    if (current === attempt) {
      showSuccess(answer.order);
    }
  } catch (error) {
    if (current !== attempt) {
      return;
    }
    if (error instanceof SessionExpiredError) {
      const productId = product.id;
      modal.hide();
      sessionExpired({ productId });
    } else if (error instanceof ApiError) {
      // 402: Stripe's message ("Your card was declined."); the shopper can try another card.
      showError(error.message);
    } else {
      showError("Something went wrong. Please try again.");
    }
  } finally {
    if (current === attempt) {
      setPaying(false);
    }
  }
}

/** Open the checkout dialog for `item`; focus returns to `opener` when it closes. */
export function openCheckout(item, opener) {
  product = item;
  returnFocusTo = opener || null;
  attempt++;
  const title = item.title || item.description;
  field("title").text(title);
  field("price").text(formatPrice(item.price, item.currency));
  setPhoto(field("photo"), item.thumbnail_url || item.url, title);
  field("test-hint").prop("hidden", !settings.stripePublishableKey.startsWith("pk_test_"));
  $dialog.find("#checkout-form").prop("hidden", false);
  field("success").prop("hidden", true);
  showError("");
  setPaying(false);
  const ready = mountCard();
  $dialog.data("stripe", ready);
  modal.show();
}

export function closeCheckout() {
  if (modal) {
    modal.hide();
  }
}

export function initCheckout() {
  $dialog = $("#checkout");
  modal = Modal.getOrCreateInstance($dialog[0]);
  $dialog.find("#checkout-form").on("submit", async (event) => {
    event.preventDefault();
    if (field("pay").prop("disabled")) {
      return;
    }
    const stripe = await $dialog.data("stripe");
    if (stripe && card) {
      pay(stripe);
    }
  });
  // Bootstrap's events are native DOM events named "shown.bs.modal": jQuery's .on() would read
  // ".bs.modal" as namespaces, so listen with addEventListener.
  $dialog[0].addEventListener("shown.bs.modal", async () => {
    await $dialog.data("stripe");
    if (card && typeof card.focus === "function") {
      card.focus();
    } else {
      $("#card-field input").first().trigger("focus");
    }
  });
  $dialog[0].addEventListener("hidden.bs.modal", () => {
    attempt++;
    destroyCard();
    if (returnFocusTo && document.body.contains(returnFocusTo)) {
      returnFocusTo.focus();
    }
    returnFocusTo = null;
  });
}
