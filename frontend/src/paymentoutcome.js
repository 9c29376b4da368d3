// What an answer of the API says about a payment, and what the shopper is shown for it: pure
// functions, no DOM (paymentstate.js keeps the state, checkout.js shows it). The API's error codes
// decide, never its sentences, which are only shown.
//
// The rule for money (docs/payments.md#the-purchase-flow): a payment whose outcome is unknown (no
// answer, a 409, 502 or 503, an error code not known here) may have charged the card. It is never
// paid again with a new key, and while the server confirms it no Pay is offered.

import { refusalMessage } from "./messages.js";

// What became of a payment: the `kind` of an outcome.
export const PAID = "paid"; // { order }: the photo is the shopper's
export const AUTHENTICATE = "authenticate"; // { orderId, clientSecret }: the bank asks for 3-D Secure
export const OWNED = "owned"; // { message, orderId }: bought already (another tab, say); nothing charged
export const CONFIRMING = "confirming"; // { orderId }: may have charged; the server settles it later
export const REFUSED = "refused"; // { message, newKey }: not taken; with newKey, refused for good
export const RETRY = "retry"; // { message, nothingCharged }: Pay again, with the same key
export const SESSION = "session"; // the shopper logs in again; nothing was sent

// The error codes that say more about a payment than their status (docs/api.md), each trusted only
// with the status it comes with. Any other answer is read by its status alone, as before codes.
const CODES = new Map([
  ["already_owned", [409, OWNED]],
  ["payment_in_progress", [409, CONFIRMING]],
  ["photo_payment_pending", [409, CONFIRMING]],
  ["payment_pending", [503, CONFIRMING]],
  ["payment_rejected", [502, CONFIRMING]],
  // Refused before anything was sent to Stripe: nothing charged.
  ["payment_busy", [503, RETRY]],
  ["payment_declined", [402, REFUSED]],
  ["order_invalid", [400, REFUSED]],
]);

function kindOfStatus(status) {
  if ([409, 502, 503].includes(status)) {
    // 409: in flight; 502: Stripe refused and the order waits for reconciliation; 503: the server
    // could not learn whether the card was charged.
    return CONFIRMING;
  }
  if (status >= 400 && status < 500) {
    return REFUSED;
  }
  // No answer (status 0), another 5xx, or no API answer at all.
  return RETRY;
}

/**
 * The outcome of a payment that ended in `failure`: an ApiError's fields `{status, code, message,
 * data}` (status 0: no answer), `{sessionExpired: true}`, or `{}` for a failure that is no answer;
 * `authentication: true` when it came after a 3-D Secure challenge that failed.
 */
export function failureOutcome(failure) {
  if (failure.sessionExpired) {
    return { kind: SESSION };
  }
  const status = failure.status || 0;
  const message = failure.message || "";
  const orderId = (failure.data && failure.data.order_id) || null;
  const known = CODES.get(failure.code);
  const trusted = known && known[0] === status ? known[1] : null;
  const kind = trusted || kindOfStatus(status);
  if (kind === OWNED) {
    return { kind, message, orderId };
  }
  if (kind === CONFIRMING) {
    return { kind, orderId };
  }
  if (kind === REFUSED) {
    // A decline (402) or an order refused as invalid (400) is definite: the next attempt (another
    // card) is a new payment. Any other 4xx says nothing about an earlier attempt with this key.
    return { kind, message: refusalMessage(failure, failure), newKey: status === 402 || status === 400 };
  }
  return { kind, message, nothingCharged: trusted === RETRY };
}

function retryMessage({ message, nothingCharged }) {
  if (nothingCharged) {
    return `${message || "The shop is busy."} Nothing was charged: please try again.`;
  }
  return `${message || "Something went wrong. Please try again."} Paying again is safe: you won't be charged twice.`;
}

/**
 * What to tell the shopper about `outcome` with the dialog closed: `{kind: "success" | "warning" |
 * "danger", message, orderId}` (see outcomes.js), or null.
 */
export function noticeOf(outcome) {
  switch (outcome.kind) {
    case PAID:
      return { kind: "success", message: "Your payment went through: the photo is yours to download.", orderId: outcome.order.id };
    case OWNED:
      return { kind: "success", message: outcome.message, orderId: outcome.orderId };
    case CONFIRMING:
      return {
        kind: "warning",
        message: "We couldn't confirm your payment yet. Don't pay again: we'll tell you here, or check My orders.",
        orderId: null,
      };
    case REFUSED:
      return { kind: "danger", message: `${outcome.message} Nothing was charged.`, orderId: null };
    case RETRY:
      return { kind: "danger", message: retryMessage(outcome), orderId: null };
    default:
      return null;
  }
}

/**
 * What the checkout dialog shows for `outcome`: `{logIn: true}`, or `{panel: "success", order}`,
 * `{panel: "pending"}`, `{panel: "form", error, pay, downloadOrderId}` (the card form with its error,
 * and Pay or the order's Download).
 */
export function dialogViewOf(outcome) {
  switch (outcome.kind) {
    case SESSION:
      return { logIn: true };
    case PAID:
      return { panel: "success", order: outcome.order };
    case CONFIRMING:
      return { panel: "pending" };
    case OWNED:
      return { panel: "form", error: outcome.message, pay: false, downloadOrderId: outcome.orderId };
    case REFUSED:
      return { panel: "form", error: outcome.message, pay: true, downloadOrderId: null };
    default:
      return { panel: "form", error: retryMessage(outcome), pay: true, downloadOrderId: null };
  }
}
