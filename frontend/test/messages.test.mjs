// The shop's own sentences: chosen by code and kind of failure, never Stripe's or the browser's.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatPriceWithCode } from "../src/format.js";
import {
  AUTHENTICATION_FAILED,
  cardErrorMessage,
  DECLINED,
  PAYMENT_SERVICE_UNREACHABLE,
  refusalMessage,
} from "../src/messages.js";

test("a decline is the shop's sentence, and a failed 3-D Secure says so", () => {
  const declined = { status: 402, code: "payment_declined", message: "The provided PaymentMethod has failed authentication." };
  assert.equal(refusalMessage(declined), DECLINED);
  assert.equal(refusalMessage(declined, { authentication: true }), AUTHENTICATION_FAILED);
  assert.doesNotMatch(AUTHENTICATION_FAILED, /PaymentMethod/);
});

test("the API's own sentences are kept for other refusals", () => {
  assert.equal(refusalMessage({ status: 400, code: "order_invalid", message: "This photo is not on sale." }), "This photo is not on sale.");
});

test("Stripe.js errors: by code, then by type; no answer at all is the network", () => {
  assert.equal(cardErrorMessage({ type: "validation_error", code: "incomplete_number", message: "Your card number is incomplete." }), "The card number is incomplete.");
  assert.equal(cardErrorMessage({ type: "card_error", code: "card_declined" }), DECLINED);
  assert.equal(cardErrorMessage({ type: "validation_error", code: "something_new" }), "Please check your card details.");
  assert.equal(cardErrorMessage(new TypeError("Failed to fetch")), PAYMENT_SERVICE_UNREACHABLE);
  assert.equal(cardErrorMessage({ type: "api_error" }), "Your card details could not be checked. Please try again.");
});

test("prices carry their currency code, once", () => {
  assert.equal(formatPriceWithCode(35, "usd").endsWith(" USD"), true);
  assert.equal(formatPriceWithCode(35.5, "eur").endsWith(" EUR"), true);
  const francs = formatPriceWithCode(35, "chf");
  assert.equal(francs.split("CHF").length - 1, 1, francs);
});
