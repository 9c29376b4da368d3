// The checkout dialog: the photo, its price, a Stripe card field, Pay. A view: the payment state
// (keys, payments in flight, what an answer means) is paymentstate.js's; this sends the requests,
// feeds their answers in and shows the outcome, in the dialog or on the page.
import Modal from "bootstrap/js/src/modal.js";
import FocusTrap from "bootstrap/js/src/util/focustrap.js";
import $ from "jquery/slim";

import { ApiError } from "./api.js";
import { authRequest, currentUser, SessionExpiredError } from "./auth.js";
import { replacementOf } from "./catalog.js";
import { cardFieldMounted, destroyCardField, focusCardField, mountCardField, tokenizeCard } from "./cardfield.js";
import {
  forgetPayment,
  forgetUnsettled,
  paymentInFlight,
  paymentsInFlight,
  rememberPayment,
  rememberUnsettled,
  unsettledKey,
} from "./checkoutkeys.js";
import { downloadButton, ownedPhotos } from "./download.js";
import { formatDateTime, formatPriceWithCode } from "./format.js";
import { setPhoto } from "./images.js";
import { cardErrorMessage, PRICE_NOTE } from "./messages.js";
import { showPaymentOutcome } from "./outcomes.js";
import { statusBadge } from "./orders.js";
import { announceOwned, onOwned } from "./ownedsync.js";
import { AUTHENTICATE, CONFIRMING, noticeOf, OWNED, PAID } from "./paymentoutcome.js";
import { Payments } from "./paymentstate.js";
import { sessionExpired } from "./session.js";
import { settings } from "./settings.js";
import { loadStripe } from "./stripe.js";

// This tab's payments, kept in its session storage.
const payments = new Payments({
  unsettledKey,
  rememberUnsettled,
  forgetUnsettled,
  paymentInFlight,
  paymentsInFlight,
  rememberPayment,
  forgetPayment,
});
// Set once by initCheckout().
let $dialog;
let modal;
// Keeps keyboard focus in the dialog while it is shown, except while the bank's 3-D Secure
// challenge (Stripe.js's own dialog, outside this one) has it. Bootstrap's Modal would pull focus
// back from the challenge, so the dialog runs its own trap (Modal's `focus: false`).
let focusTrap;
let dialogShown = false;
// The checkout open in the dialog (a Checkout of paymentstate.js); null once the dialog has closed.
let current = null;
// Where focus returns when the dialog closes.
let returnFocusTo = null;
// How often a payment the server is still confirming is looked up in the orders, in ms.
const CONFIRMING_POLL_MS = 5000;
let confirmingPoll = null;

/** The open checkout that shows `attempt`'s outcome, or null. */
function shownIn(attempt) {
  return current && current.shows(attempt) ? current : null;
}

function field(name) {
  return $dialog.find(`[data-field="${name}"]`);
}

function showError(message) {
  field("error").text(message).prop("hidden", !message);
}

/**
 * Pay shows "Paying…" and takes no click while a payment is sent. It stays focusable
 * (aria-disabled, not disabled): focus stays on it, in the dialog, and Escape still closes the dialog.
 */
function setPaying(checkout, paying) {
  const { product } = checkout;
  const $pay = field("pay").attr({ "aria-disabled": String(paying), "aria-busy": String(paying) });
  $pay.find(".spinner-border").prop("hidden", !paying);
  $pay.find(".label").text(paying ? "Paying…" : `Pay ${formatPriceWithCode(product.price, product.currency)}`);
}

function payOffered() {
  const $pay = field("pay");
  return !$pay.prop("disabled") && $pay.attr("aria-disabled") !== "true" && !$pay.prop("hidden");
}

/** Mount the card field, Pay off until it is there; resolve to Stripe, or null (its error shown). */
async function mountCard() {
  field("pay").prop("disabled", true);
  try {
    const stripe = await mountCardField(showError);
    field("pay").prop("disabled", false);
    return stripe;
  } catch (error) {
    showError(error.message);
    return null;
  }
}

/** The photo is the shopper's already: say so and offer its Download, no card form, no Pay. */
function showOwned(orderId) {
  $dialog.find("#checkout-form").prop("hidden", true);
  field("inflight").prop("hidden", true);
  field("pending").prop("hidden", true);
  field("checking").prop("hidden", true);
  const $owned = field("owned").prop("hidden", false);
  $owned
    .find("[data-field=owned-download]")
    .empty()
    .append(downloadButton(orderId, { className: "btn btn-primary" }));
  $owned.find("h3").attr("tabindex", "-1").trigger("focus");
}

/**
 * Before the card form opens: does the shopper own this photo already (bought in another tab or on
 * another device)? Then the form never opens. Resolves once known (a failed look-up: the form opens,
 * and the API refuses a second purchase anyway).
 */
async function checkOwned(checkout) {
  const owned = await ownedPhotos();
  const orderId = owned[checkout.product.id];
  if (current !== checkout) {
    return;
  }
  field("checking").prop("hidden", true);
  if (orderId && !checkout.payment && checkout.canPay()) {
    showOwned(orderId);
    announceOwned(checkout.product.id, orderId);
  } else if (field("owned").prop("hidden")) {
    $dialog.find("#checkout-form").prop("hidden", false);
  }
}

function showSuccess(checkout, order) {
  const $success = field("success");
  const orderProduct = order.product || checkout.product;
  $success.find("[data-order=id]").text(`#${order.id}`);
  $success.find("[data-order=title]").text(orderProduct.title || orderProduct.description);
  $success.find("[data-order=price]").text(formatPriceWithCode(orderProduct.price, orderProduct.currency));
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
function showPending() {
  $dialog.find("#checkout-form").prop("hidden", true);
  field("inflight").prop("hidden", true);
  const $pending = field("pending").prop("hidden", false);
  $pending.find("h3").attr("tabindex", "-1").trigger("focus");
}

/** Show in the dialog what `checkout.view()` says of `attempt`'s outcome. */
function showInDialog(checkout, attempt, outcome) {
  const view = checkout.view(outcome);
  if (view.logIn) {
    modal.hide();
    sessionExpired({ productId: attempt.productId });
  } else if (view.panel === "success") {
    showSuccess(checkout, view.order);
  } else if (view.panel === "pending") {
    showPending();
  } else if (view.downloadOrderId) {
    // Bought already (in another tab, say): nothing was charged; here is the file.
    showOwned(view.downloadOrderId);
  } else {
    showForm();
    showError(view.error);
    field("pay").prop("hidden", !view.pay);
  }
}

/**
 * Show what became of `attempt`: in the checkout showing its photo if one is open, else in a
 * message on the page, so that the shopper learns it even with the dialog closed.
 */
function reportOutcome(attempt, outcome) {
  // Owned now: every Buy of the photo, in this tab and the others, becomes its Download.
  if (outcome.kind === PAID && outcome.order) {
    announceOwned(attempt.productId, outcome.order.id);
  } else if (outcome.kind === OWNED && outcome.orderId) {
    announceOwned(attempt.productId, outcome.orderId);
  }
  const shown = shownIn(attempt);
  if (shown) {
    showInDialog(shown, attempt, outcome);
    return;
  }
  const notice = noticeOf(outcome);
  if (notice) {
    showPaymentOutcome(attempt.title, notice);
  }
}

/**
 * What failed, for the payment state: an API answer, a lapsed session, or neither (no answer);
 * `authentication`: after a 3-D Secure challenge that failed.
 */
function failureOf(error, authentication) {
  if (error instanceof SessionExpiredError) {
    return { sessionExpired: true };
  }
  if (!(error instanceof ApiError)) {
    return {};
  }
  const { status, code, message, data } = error;
  return { status, code, message, data, authentication };
}

/**
 * Run the bank's 3-D Secure challenge (Stripe.js's own dialog): it takes focus from the checkout
 * while it is open, then focus comes back to Pay. Resolves to whether it failed.
 */
async function authenticate(stripe, clientSecret) {
  focusTrap.deactivate();
  let result = null;
  try {
    result = await stripe.confirmCardPayment(clientSecret);
  } finally {
    if (dialogShown) {
      focusTrap.activate();
      const $pay = field("pay");
      if ($pay.is(":visible")) {
        $pay.trigger("focus");
      }
    }
  }
  const intent = result && result.paymentIntent;
  return Boolean(!result || result.error || (intent && intent.status && intent.status !== "succeeded"));
}

/**
 * Send `attempt`'s order paid with the card token `tokenId` (the checkout's key, the same for every
 * retry: it can't charge twice), complete 3-D Secure if the bank asks (202: Stripe.js runs the
 * challenge, then the server, which alone says paid or not, is asked), and report the outcome.
 */
async function send(attempt, tokenId, stripeReady) {
  attempt.send(tokenId);
  let outcome;
  let authenticationFailed = false;
  try {
    outcome = attempt.answered(
      await authRequest("order/", {
        method: "POST",
        headers: { "Idempotency-Key": attempt.key },
        body: { token: tokenId, product: attempt.productId },
      }),
    );
    if (outcome.kind === AUTHENTICATE) {
      const stripe = await stripeReady();
      authenticationFailed = await authenticate(stripe, outcome.clientSecret);
      const path = `order/${encodeURIComponent(outcome.orderId)}/confirm/`;
      outcome = attempt.answered(await authRequest(path, { method: "POST" }));
    }
  } catch (error) {
    outcome = attempt.failed(failureOf(error, authenticationFailed));
  }
  reportOutcome(attempt, outcome);
  if (outcome.kind === CONFIRMING) {
    watchConfirming();
  }
}

/** Pay for the checkout's photo: tokenize the card, then send the order (if still the latest payment). */
async function pay(checkout, stripe) {
  const attempt = checkout.pay();
  showError("");
  setPaying(checkout, true);
  try {
    const result = await tokenizeCard(stripe);
    if (current !== checkout || !checkout.isLatest(attempt)) {
      return;
    }
    if (result.error) {
      showError(cardErrorMessage(result.error));
      return;
    }
    await send(attempt, result.token.id, () => stripe);
  } finally {
    const shown = shownIn(attempt);
    if (shown && !shown.confirming) {
      setPaying(shown, false);
    }
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
  for (const attempt of payments.resumable()) {
    resumePayment(attempt);
  }
  watchConfirming();
}

async function resumePayment(attempt) {
  await send(attempt, attempt.token, loadStripe);
  const shown = shownIn(attempt);
  if (shown && !shown.confirming) {
    setPaying(shown, false);
  }
}

/** While a payment is being confirmed by the server, look for its outcome in the orders now and then. */
function watchConfirming() {
  if (confirmingPoll || !payments.anyConfirming()) {
    return;
  }
  confirmingPoll = setTimeout(async () => {
    confirmingPoll = null;
    if (!currentUser()) {
      return;
    }
    try {
      for (const { attempt, outcome } of payments.settleFromOrders(await authRequest("order/"))) {
        reportOutcome(attempt, outcome);
      }
    } catch {
      // Asked again at the next turn.
    }
    watchConfirming();
  }, CONFIRMING_POLL_MS);
}

/** Open the checkout dialog for `item`; focus returns to `opener` when it closes. */
export function openCheckout(item, opener) {
  if (current) {
    current.end();
  }
  current = payments.open(item);
  returnFocusTo = opener || null;
  const title = item.title || item.description;
  field("title").text(title);
  field("price").text(formatPriceWithCode(item.price, item.currency));
  setPhoto(field("photo"), item.thumbnail_url || item.url, title);
  field("test-hint").prop("hidden", !settings.stripePublishableKey.startsWith("pk_test_"));
  $dialog.find("#checkout-form").prop("hidden", false);
  field("success").prop("hidden", true);
  field("pending").prop("hidden", true);
  field("pay").prop("hidden", false);
  field("inflight").prop("hidden", true);
  field("owned").prop("hidden", true);
  field("checking").prop("hidden", true);
  showError("");
  setPaying(current, false);
  const opening = current.opening();
  let ownership = Promise.resolve();
  if (opening === "pending") {
    showPending();
  } else if (opening === "inflight") {
    showInFlight();
  } else {
    // The card form opens once it is known that the photo is not the shopper's already.
    $dialog.find("#checkout-form").prop("hidden", true);
    field("checking").prop("hidden", false);
    ownership = checkOwned(current);
  }
  const ready = Promise.all([mountCard(), ownership]).then(([stripe]) => stripe);
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
  if (!checkout || !payOffered() || !checkout.canPay()) {
    return;
  }
  const stripe = await $dialog.data("stripe");
  if (stripe && cardFieldMounted()) {
    pay(checkout, stripe);
  }
}

/** Put focus in the card field once the dialog is shown and the field is mounted. */
async function focusCard() {
  dialogShown = true;
  focusTrap.activate();
  // A payment in flight or being confirmed, or a photo owned: its panel, not the (hidden) card field.
  const $panel = $dialog.find("[data-field=inflight], [data-field=pending], [data-field=owned]").not("[hidden]");
  if ($panel.length) {
    $panel.find("h3").first().attr("tabindex", "-1").trigger("focus");
    return;
  }
  await $dialog.data("stripe");
  if (dialogShown && !$dialog.find("#checkout-form").prop("hidden")) {
    focusCardField();
  }
}

/** End the checkout when its dialog has closed, and return focus to where it was opened from. */
function endCheckout() {
  dialogShown = false;
  focusTrap.deactivate();
  // A Buy bought meanwhile has become "Owned · Download": focus goes there.
  const opener = returnFocusTo && (document.body.contains(returnFocusTo) ? returnFocusTo : replacementOf(returnFocusTo));
  // Answers to its payment still settle its key, but show nothing.
  if (current) {
    current.end();
  }
  current = null;
  returnFocusTo = null;
  destroyCardField();
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

/** The dialog's panel for a photo the shopper owns already (filled in by showOwned()). */
function ownedPanel() {
  const $panel = $("<div>", { "data-field": "owned", hidden: true });
  const $alert = $("<div>", { class: "alert alert-success", role: "status" }).appendTo($panel);
  $("<h3>", { class: "h5 alert-heading" }).text("You already own this photo.").appendTo($alert);
  $("<p>", { class: "mb-0" }).text("Nothing to pay: download it here, or any time from My orders.").appendTo($alert);
  const $actions = $("<div>", { class: "d-flex flex-wrap gap-2" }).appendTo($panel);
  $("<span>", { "data-field": "owned-download" }).appendTo($actions);
  $("<a>", { class: "btn btn-outline-secondary", href: "#/orders" }).text("See my orders").appendTo($actions);
  return $panel;
}

function checkingPanel() {
  return $("<div>", { "data-field": "checking", hidden: true }).html($("#tpl-loading").html());
}

export function initCheckout() {
  $dialog = $("#checkout");
  $dialog.find("#checkout-form").after(inFlightPanel(), ownedPanel(), checkingPanel());
  $dialog.find("[data-field=price-note]").text(PRICE_NOTE);
  modal = Modal.getOrCreateInstance($dialog[0], { focus: false });
  focusTrap = new FocusTrap({ trapElement: $dialog[0] });
  // Bought in another tab while this dialog offers it: the form gives way to the Download.
  onOwned((productId, orderId) => {
    if (current && String(current.product.id) === productId && !current.payment && current.canPay()) {
      showOwned(orderId);
    }
  });
  $dialog.find("#checkout-form").on("submit", submitPayment);
  // Bootstrap's events are native DOM events named "shown.bs.modal": jQuery's .on() would read
  // ".bs.modal" as namespaces, so listen with addEventListener.
  $dialog[0].addEventListener("shown.bs.modal", focusCard);
  $dialog[0].addEventListener("hidden.bs.modal", endCheckout);
  window.addEventListener("pagehide", () => {
    payments.leaving = true;
  });
  // Back from the back/forward cache: this page view goes on.
  window.addEventListener("pageshow", () => {
    payments.leaving = false;
  });
  resumePayments();
}
