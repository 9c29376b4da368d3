// The shop's own sentences for what goes wrong with a payment: chosen by the error's code (the
// API's, or Stripe.js's) and by the kind of failure, never passed on from Stripe or the browser
// ("The provided PaymentMethod has failed authentication.", "Failed to fetch"). Pure: no DOM.

/** What the shopper pays, said where a price is: the shop charges the catalog price and adds nothing. */
export const PRICE_NOTE = "The price shown is the total you pay: no tax or fees are added.";

export const DECLINED = "Your card was declined.";
export const AUTHENTICATION_FAILED =
  "Your bank did not confirm this payment (3-D Secure authentication failed or was cancelled).";
export const PAYMENT_SERVICE_UNREACHABLE =
  "Could not reach the payment service. Check your connection and try again. Nothing was charged.";
export const CARD_NOT_CHECKED = "Your card details could not be checked. Please try again.";
export const ORDER_FAILED = "The payment did not go through.";

// Stripe.js's error codes (https://docs.stripe.com/error-codes) for what the shopper typed or the card.
const CARD_CODES = new Map([
  ["incomplete_number", "The card number is incomplete."],
  ["invalid_number", "The card number is not a valid card number."],
  ["incorrect_number", "The card number is not right."],
  ["incomplete_expiry", "The card's expiry date is incomplete."],
  ["invalid_expiry_month", "The card's expiry month is not valid."],
  ["invalid_expiry_year", "The card's expiry year is not valid."],
  ["invalid_expiry_month_past", "The card has expired."],
  ["invalid_expiry_year_past", "The card has expired."],
  ["expired_card", "The card has expired."],
  ["incomplete_cvc", "The card's security code (CVC) is incomplete."],
  ["invalid_cvc", "The card's security code (CVC) is not valid."],
  ["incorrect_cvc", "The card's security code (CVC) is not right."],
  ["incomplete_zip", "The postal code is incomplete."],
  ["incorrect_zip", "The postal code is not right."],
  ["card_declined", DECLINED],
  ["payment_intent_authentication_failure", AUTHENTICATION_FAILED],
]);

/**
 * The sentence for an error of Stripe.js (`{type, code, message}`, or a thrown TypeError when the
 * network failed), from creating a card token or from the 3-D Secure challenge.
 */
export function cardErrorMessage(error) {
  const { type = "", code = "" } = error && typeof error === "object" ? error : {};
  if (CARD_CODES.has(code)) {
    return CARD_CODES.get(code);
  }
  if (type === "validation_error" || type === "invalid_request_error") {
    return "Please check your card details.";
  }
  if (type === "card_error") {
    return DECLINED;
  }
  // No type: not an answer of Stripe at all (the browser could not reach it), or an unknown one.
  if (!type || type === "api_connection_error") {
    return PAYMENT_SERVICE_UNREACHABLE;
  }
  return CARD_NOT_CHECKED;
}

/**
 * The sentence for a payment the API refused for good (`failure`: an ApiError's `{status, code,
 * message}`); `authentication` is true when it came after a failed 3-D Secure challenge. The API's
 * own sentences are the shop's; a decline carries Stripe's, so it gets one of ours.
 */
export function refusalMessage(failure, { authentication = false } = {}) {
  if (failure.code === "payment_declined" || failure.status === 402) {
    return authentication ? AUTHENTICATION_FAILED : DECLINED;
  }
  return failure.message || "The payment was refused. Nothing was charged.";
}
