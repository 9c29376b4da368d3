// The checkout dialog: the photo, its price, a Stripe card field, Pay.
import Modal from "bootstrap/js/src/modal.js";
import $ from "jquery/slim";

import { ApiError } from "./api.js";
import { authRequest, currentUser, SessionExpiredError } from "./auth.js";
import {
  checkoutKeyFor,
  forgetPayment,
  forgetUnsettled,
  paymentInFlight,
  paymentsInFlight,
  rememberPayment,
  rememberUnsettled,
} from "./checkoutkeys.js";
import { downloadButton } from "./download.js";
import { formatDateTime, formatPrice } from "./format.js";
import { setPhoto } from "./images.js";
import { showPaymentOutcome } from "./outcomes.js";
import { statusBadge } from "./orders.js";
import { sessionExpired } from "./session.js";
import { settings } from "./settings.js";
import { loadStripe } from "./stripe.js";

// The API's answer to buying a photo the shopper already owns (409).
const OWNED_MESSAGE = "You already own this photo.";

// Set once by initCheckout().
let $dialog;
let modal;
// The Stripe card field mounted in the dialog, if any.
let card = null;
// The checkout open in the dialog (see newCheckout()); null once the dialog has closed.
let current = null;
// Product ids whose payment this page is waiting for an answer about (see resumePayments()).
const awaiting = new Set();
// How often a payment the server is still confirming is looked up in the orders, in ms.
const CONFIRMING_POLL_MS = 5000;
let confirmingPoll = null;
// Set once the page is being unloaded.
let leaving = false;

/** The state of one checkout of `product`; focus returns to `opener` when its dialog closes. */
function newCheckout(product, opener) {
  return {
    product,
    returnFocusTo: opener || null,
    // The Idempotency-Key of this checkout: every retry of the same payment sends it, so the
    // server answers the first attempt's outcome instead of charging the card again.
    key: checkoutKeyFor(product.id),
    // The latest payment started (see pay()); answers to an older one are ignored.
    payment: null,
    // The payment went out but its outcome is not known (502, 503 or 409): Pay is not offered again.
    confirming: false,
  };
}

/** Whether `payment` is still the latest one of the open checkout: only its answers are shown. */
function isCurrent(payment) {
  return Boolean(current) && current === payment.checkout && payment.checkout.payment === payment;
}

/**
 * The open checkout that shows `payment`'s outcome: its own, or the same photo's reopened while the
 * payment was in flight (it shows "in progress" and has no payment of its own); else null.
 */
function shownIn(payment) {
  if (isCurrent(payment)) {
    return current;
  }
  return current && !current.payment && String(current.product.id) === String(payment.productId) ? current : null;
}

function field(name) {
  return $dialog.find(`[data-field="${name}"]`);
}

function showError(message) {
  field("error").text(message).prop("hidden", !message);
}

function setPaying(checkout, paying) {
  const { product } = checkout;
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

function showSuccess(checkout, order) {
  const $success = field("success");
  const orderProduct = order.product || checkout.product;
  $success.find("[data-order=id]").text(`#${order.id}`);
  $success.find("[data-order=title]").text(orderProduct.title || orderProduct.description);
  $success.find("[data-order=price]").text(formatPrice(orderProduct.price, orderProduct.currency));
  $success.find("[data-order=date]").text(formatDateTime(order.orderdate));
  $success.find("[data-order=status]").empty().append(statusBadge(order.paymentstatus));
  // The photo is the shopper's now: the file, right here.
  $success.find("[data-field=download]").empty().append(downloadButton(order.id, { className: "btn btn-primary" }));
  $dialog.find("#checkout-form").prop("hidden", true);
  field("inflight").prop("hidden", true);
  $success.prop("hidden", false);
  $success.find("h3").attr("tabindex", "-1").trigger("focus");
}

/** The outcome of the payment is unknown: tell the shopper not to pay again, and where to look. */
function showPending(checkout) {
  checkout.confirming = true;
  $dialog.find("#checkout-form").prop("hidden", true);
  field("inflight").prop("hidden", true);
  const $pending = field("pending").prop("hidden", false);
  $pending.find("h3").attr("tabindex", "-1").trigger("focus");
}

/**
 * Record what the answer to `payment` says about its key (even when the dialog moved on).
 * The key stays remembered (as it was while in flight) unless the outcome is definite.
 */
function settleKey(payment, error) {
  const { productId, key } = payment;
  settlePayment(payment, error);
  if (!error) {
    // Paid.
    forgetUnsettled(productId, key);
  } else if (error instanceof ApiError && (error.status === 402 || error.status === 400)) {
    // A definite refusal: nothing was charged. The next attempt (another card, a new token)
    // is a new payment and needs a new key, in the open checkout too if it took this one up.
    forgetUnsettled(productId, key);
    if (current && current.key === key) {
      current.key = crypto.randomUUID();
    }
  }
  // No answer, a 5xx, 502, 503 or 409: the first attempt may have charged. A 403 (log in again)
  // says nothing about an earlier attempt with this key. The key is kept: reusing it is safe.
}

/** Whether `error` says the payment may have gone through and the server settles it later. */
function isUnconfirmed(error) {
  return error instanceof ApiError && [409, 502, 503].includes(error.status) && error.message !== OWNED_MESSAGE;
}

/**
 * Record what the answer to `payment` says about it being in flight: still confirming (502, 503,
 * 409), or over (paid, refused, or no answer at all: then Pay is offered again, with the same key).
 */
function settlePayment(payment, error) {
  if (leaving) {
    // The page is going away (a reload): its requests fail without an answer. The payment stays in
    // flight for the next page view of this tab to ask about (resumePayments()).
    return;
  }
  if (isUnconfirmed(error)) {
    const orderId = error.data && error.data.order_id;
    rememberPayment(payment.productId, { state: "confirming", orderId: orderId || null });
    watchConfirming();
  } else {
    forgetPayment(payment.productId, payment.key);
  }
}

function retryMessage(error) {
  const reason =
    error instanceof ApiError && error.message ? error.message : "Something went wrong. Please try again.";
  return `${reason} Paying again is safe: you won't be charged twice.`;
}

/** Turn the card field into a Stripe token: `{ token }`, or `{ error }` with a message to show. */
async function tokenizeCard(stripe) {
  try {
    return await stripe.createToken(card);
  } catch {
    return { error: { message: "Please fill in your card details." } };
  }
}

/** Send the order of `payment` paid with `token`, settle its key by the answer, and return the answer. */
async function postOrder(payment, token) {
  const { productId, key } = payment;
  // Until a definite answer, this payment's outcome is unknown: a checkout of the same photo
  // opened meanwhile goes on with the same key, and offers no Pay while this one is in flight.
  rememberUnsettled(productId, key);
  rememberPayment(productId, { key, token: token.id, title: payment.title, state: "paying", orderId: null });
  let answer;
  try {
    answer = await authRequest("order/", {
      method: "POST",
      // The checkout's key, the same for every retry: a retried payment can't charge twice.
      headers: { "Idempotency-Key": key },
      body: { token: token.id, product: productId },
    });
  } catch (error) {
    settleKey(payment, error);
    throw error;
  }
  if (answer.requires_action) {
    rememberPayment(productId, { orderId: answer.order_id });
  } else {
    settleKey(payment, null);
  }
  // 202: the bank asks for 3-D Secure; the key stays remembered until the outcome is known.
  return answer;
}

/**
 * The bank asked the shopper to authenticate (3-D Secure): let Stripe.js run the challenge, then
 * ask the server how the payment ended. Returns the confirm answer (201), or throws its ApiError.
 */
async function authenticatePayment(payment, stripe, answer) {
  // Whatever the challenge's result, the server asks Stripe: it alone says paid or not.
  await stripe.confirmCardPayment(answer.client_secret);
  let confirmed;
  try {
    confirmed = await authRequest(`order/${encodeURIComponent(answer.order_id)}/confirm/`, { method: "POST" });
  } catch (error) {
    settleKey(payment, error);
    throw error;
  }
  settleKey(payment, null);
  return confirmed;
}

/** Tell the shopper what became of the payment that failed with `error`, and what they can do. */
function showFailure(checkout, payment, error) {
  if (error instanceof SessionExpiredError) {
    modal.hide();
    sessionExpired({ productId: payment.productId });
  } else if (error instanceof ApiError && error.status === 409 && error.message === OWNED_MESSAGE) {
    // Bought already (in another tab, say): nothing was charged; here is the file.
    showForm();
    showError(error.message);
    field("pay").prop("hidden", true);
    field("error").append(" ", downloadButton(error.data.order_id, { className: "btn btn-primary btn-sm" }));
  } else if (error instanceof ApiError && [409, 502, 503].includes(error.status)) {
    // 503: the server could not learn whether the card was charged; 502: Stripe refused the
    // request and the order waits for reconciliation; 409: the same payment is still in
    // flight. Reconciliation settles the order: paying again must not be offered.
    showPending(checkout);
  } else if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
    // 402: Stripe's message ("Your card was declined."); the shopper can try another card.
    showForm();
    showError(error.message);
  } else {
    // No answer or another 5xx: the shopper may retry, with the same key.
    showForm();
    showError(retryMessage(error));
  }
}

/**
 * Pay for the checkout's photo: tokenize the card, post the order, complete 3-D Secure if the bank
 * asks (202), show the outcome (if still current).
 */
async function pay(checkout, stripe) {
  const { product } = checkout;
  const payment = { checkout, productId: product.id, key: checkout.key, title: product.title || product.description };
  checkout.payment = payment;
  showError("");
  setPaying(checkout, true);
  try {
    const result = await tokenizeCard(stripe);
    if (!isCurrent(payment)) {
      return;
    }
    if (result.error) {
      showError(result.error.message || "Your card details could not be checked. Please try again.");
      return;
    }
    awaiting.add(String(payment.productId));
    let answer = await postOrder(payment, result.token);
    if (answer.requires_action) {
      answer = await authenticatePayment(payment, stripe, answer);
    }
    reportOutcome(payment, answer, null);
  } catch (error) {
    reportOutcome(payment, null, error);
  } finally {
    awaiting.delete(String(payment.productId));
    const shown = shownIn(payment);
    if (shown && !shown.confirming) {
      setPaying(shown, false);
    }
  }
}

/**
 * Show what became of `payment` (`answer`, or `error`): in the checkout showing its photo if one is
 * open, else in a message on the page, so that the shopper learns it even with the dialog closed.
 */
function reportOutcome(payment, answer, error) {
  const shown = shownIn(payment);
  if (shown) {
    if (error) {
      showFailure(shown, payment, error);
    } else {
      showSuccess(shown, answer.order);
    }
    return;
  }
  if (!error) {
    const message = "Your payment went through: the photo is yours to download.";
    showPaymentOutcome(payment.title, { kind: "success", message, orderId: answer.order.id });
  } else if (error instanceof SessionExpiredError) {
    // Nothing was sent: the shopper logs in again before paying.
  } else if (error instanceof ApiError && error.message === OWNED_MESSAGE) {
    showPaymentOutcome(payment.title, { kind: "success", message: error.message, orderId: error.data.order_id });
  } else if (isUnconfirmed(error)) {
    const message = "We couldn't confirm your payment yet. Don't pay again: we'll tell you here, or check My orders.";
    showPaymentOutcome(payment.title, { kind: "warning", message });
  } else if (error instanceof ApiError && error.status >= 400 && error.status < 500) {
    showPaymentOutcome(payment.title, { kind: "danger", message: `${error.message} Nothing was charged.` });
  } else {
    showPaymentOutcome(payment.title, { kind: "danger", message: retryMessage(error) });
  }
}

/** Show the card form with Pay (again), hiding the "in progress" panel. */
function showForm() {
  field("inflight").prop("hidden", true);
  $dialog.find("#checkout-form").prop("hidden", false);
}

/** A payment of this photo is in flight: say so, and offer no Pay until its outcome is known. */
function showInFlight() {
  $dialog.find("#checkout-form").prop("hidden", true);
  field("inflight").prop("hidden", false);
}

/**
 * Learn the outcome of the payments this tab sent before the page was (re)loaded: a payment whose
 * answer never came is asked again with its key and card token (the server answers the first
 * attempt's outcome, never charging twice); one the server is confirming is looked up in the orders.
 */
export async function resumePayments() {
  if (!currentUser()) {
    return;
  }
  for (const [productId, stored] of Object.entries(paymentsInFlight())) {
    if (stored.state === "paying" && stored.token && !awaiting.has(productId)) {
      resumePayment(productId, stored);
    }
  }
  watchConfirming();
}

async function resumePayment(productId, stored) {
  const payment = { checkout: null, productId, key: stored.key, title: stored.title };
  awaiting.add(productId);
  try {
    let answer = await postOrder(payment, { id: stored.token });
    if (answer.requires_action) {
      answer = await authenticatePayment(payment, await loadStripe(), answer);
    }
    reportOutcome(payment, answer, null);
  } catch (error) {
    reportOutcome(payment, null, error);
  } finally {
    awaiting.delete(productId);
    const shown = shownIn(payment);
    if (shown && !paymentInFlight(productId)) {
      showForm();
      setPaying(shown, false);
    }
  }
}

/** While a payment is being confirmed by the server, look for its outcome in the orders now and then. */
function watchConfirming() {
  if (confirmingPoll || !Object.values(paymentsInFlight()).some((p) => p.state === "confirming")) {
    return;
  }
  confirmingPoll = setTimeout(async () => {
    confirmingPoll = null;
    if (!currentUser()) {
      return;
    }
    try {
      settleConfirmed(await authRequest("order/"));
    } catch {
      // Asked again at the next turn.
    }
    watchConfirming();
  }, CONFIRMING_POLL_MS);
}

/** Report and forget the confirming payments whose order is now PAID or FAILED in `orders`. */
function settleConfirmed(orders) {
  for (const [productId, stored] of Object.entries(paymentsInFlight())) {
    if (stored.state !== "confirming") {
      continue;
    }
    const order = orders.find((o) =>
      stored.orderId ? String(o.id) === String(stored.orderId) : String(o.product.id) === productId,
    );
    if (!order || !["PAID", "FAILED"].includes(order.paymentstatus)) {
      continue;
    }
    forgetPayment(productId, stored.key);
    const payment = { checkout: null, productId, key: stored.key, title: stored.title };
    if (order.paymentstatus === "PAID") {
      forgetUnsettled(productId, stored.key);
      reportOutcome(payment, { order }, null);
    } else {
      forgetUnsettled(productId, stored.key);
      const reason = order.failure_reason || "The payment failed.";
      reportOutcome(payment, null, new ApiError(402, { order_id: order.id }, reason));
    }
  }
}

/** Open the checkout dialog for `item`; focus returns to `opener` when it closes. */
export function openCheckout(item, opener) {
  current = newCheckout(item, opener);
  const title = item.title || item.description;
  field("title").text(title);
  field("price").text(formatPrice(item.price, item.currency));
  setPhoto(field("photo"), item.thumbnail_url || item.url, title);
  field("test-hint").prop("hidden", !settings.stripePublishableKey.startsWith("pk_test_"));
  $dialog.find("#checkout-form").prop("hidden", false);
  field("success").prop("hidden", true);
  field("pending").prop("hidden", true);
  field("pay").prop("hidden", false);
  field("inflight").prop("hidden", true);
  showError("");
  setPaying(current, false);
  const inFlight = paymentInFlight(item.id);
  if (inFlight && inFlight.state === "confirming") {
    showPending(current);
  } else if (inFlight) {
    showInFlight();
  }
  const ready = mountCard();
  $dialog.data("stripe", ready);
  modal.show();
}

export function closeCheckout() {
  if (modal) {
    modal.hide();
  }
}

/** Pay when the form is sent (Pay, or Enter in a card field), unless Pay is not on offer. */
async function submitPayment(event) {
  event.preventDefault();
  const checkout = current;
  if (!checkout || field("pay").prop("disabled") || checkout.confirming || paymentInFlight(checkout.product.id)) {
    return;
  }
  const stripe = await $dialog.data("stripe");
  if (stripe && card) {
    pay(checkout, stripe);
  }
}

/** Put focus in the card field once the dialog is shown and the field is mounted. */
async function focusCard() {
  // A payment in flight or being confirmed: its panel, not the (hidden) card field.
  const $panel = $dialog.find("[data-field=inflight], [data-field=pending]").not("[hidden]");
  if ($panel.length) {
    $panel.find("h3").first().attr("tabindex", "-1").trigger("focus");
    return;
  }
  await $dialog.data("stripe");
  if (card && typeof card.focus === "function") {
    card.focus();
  } else {
    $("#card-field input").first().trigger("focus");
  }
}

/** End the checkout when its dialog has closed, and return focus to where it was opened from. */
function endCheckout() {
  const opener = current ? current.returnFocusTo : null;
  // Answers to its payment still settle its key, but show nothing.
  current = null;
  destroyCard();
  if (opener && document.body.contains(opener)) {
    opener.focus();
  }
}

/** The dialog's panel for a payment in flight (sent, answer not come yet). */
function inFlightPanel() {
  const $panel = $("<div>", { "data-field": "inflight", hidden: true });
  const $alert = $("<div>", { class: "alert alert-primary d-flex gap-2", role: "status" }).appendTo($panel);
  $("<span>", { class: "spinner-border spinner-border-sm mt-1", "aria-hidden": "true" }).appendTo($alert);
  const $text = $("<div>").appendTo($alert);
  $("<h3>", { class: "h5 alert-heading" }).text("Your payment is in progress.").appendTo($text);
  $("<p>", { class: "mb-0" })
    .text("Don't pay again: its outcome will show here, or on the page, as soon as it arrives.")
    .appendTo($text);
  return $panel;
}

export function initCheckout() {
  $dialog = $("#checkout");
  $dialog.find("#checkout-form").after(inFlightPanel());
  modal = Modal.getOrCreateInstance($dialog[0]);
  $dialog.find("#checkout-form").on("submit", submitPayment);
  // Bootstrap's events are native DOM events named "shown.bs.modal": jQuery's .on() would read
  // ".bs.modal" as namespaces, so listen with addEventListener.
  $dialog[0].addEventListener("shown.bs.modal", focusCard);
  $dialog[0].addEventListener("hidden.bs.modal", endCheckout);
  window.addEventListener("pagehide", () => {
    leaving = true;
  });
  // Back from the back/forward cache: this page view goes on.
  window.addEventListener("pageshow", () => {
    leaving = false;
  });
  resumePayments();
}
