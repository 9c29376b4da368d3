// What an answer of the API says about a payment: codes decide, never sentences; an unknown
// outcome is never offered a new payment.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  CONFIRMING,
  dialogViewOf,
  failureOutcome,
  noticeOf,
  OWNED,
  REFUSED,
  RETRY,
  SESSION,
} from "../src/paymentoutcome.js";

// An ApiError's fields, as api.js makes them from an answer's status and body.
function answer(status, body = {}) {
  return {
    status,
    code: typeof body.code === "string" ? body.code : "",
    message: body.detail || body.error || "",
    data: body,
  };
}

test("already_owned is the photo owned, with its order to download, nothing charged", () => {
  const outcome = failureOutcome(
    answer(409, { success: false, error: "You already own this photo.", code: "already_owned", order_id: 14 }),
  );
  assert.deepEqual(outcome, { kind: OWNED, message: "You already own this photo.", orderId: 14 });
  assert.deepEqual(dialogViewOf(outcome), {
    panel: "form",
    error: "You already own this photo.",
    pay: false,
    downloadOrderId: 14,
  });
  assert.deepEqual(noticeOf(outcome), { kind: "success", message: "You already own this photo.", orderId: 14 });
});

test("the owned sentence without its code is not trusted: the payment may have charged", () => {
  const outcome = failureOutcome(answer(409, { success: false, error: "You already own this photo.", order_id: 14 }));
  assert.equal(outcome.kind, CONFIRMING);
  assert.deepEqual(dialogViewOf(outcome), { panel: "pending" });
});

test("a code is trusted only with the status it is documented with", () => {
  assert.equal(failureOutcome(answer(503, { code: "already_owned" })).kind, CONFIRMING);
  assert.equal(failureOutcome(answer(502, { code: "payment_busy" })).kind, CONFIRMING);
  const busyAs500 = failureOutcome(answer(500, { detail: "Oops.", code: "payment_busy" }));
  assert.deepEqual(busyAs500, { kind: RETRY, message: "Oops.", nothingCharged: false });
});

for (const [status, code] of [
  [409, "payment_in_progress"],
  [409, "photo_payment_pending"],
  [503, "payment_pending"],
  [502, "payment_rejected"],
  [503, "service_unavailable"],
  [409, ""],
  [502, ""],
  [503, ""],
  [409, "a_code_from_the_future"],
  [503, "a_code_from_the_future"],
]) {
  test(`${status} ${code || "without a code"} may have charged: no Pay, don't pay again`, () => {
    const outcome = failureOutcome(answer(status, { detail: "Whatever the server says.", code, order_id: 7 }));
    assert.deepEqual(outcome, { kind: CONFIRMING, orderId: 7 });
    assert.deepEqual(dialogViewOf(outcome), { panel: "pending" });
    assert.equal(noticeOf(outcome).kind, "warning");
    assert.match(noticeOf(outcome).message, /Don't pay again/);
  });
}

test("payment_busy says nothing was charged and offers Pay again", () => {
  const outcome = failureOutcome(answer(503, { detail: "The shop is busy.", code: "payment_busy" }));
  assert.deepEqual(outcome, { kind: RETRY, message: "The shop is busy.", nothingCharged: true });
  const view = dialogViewOf(outcome);
  assert.equal(view.panel, "form");
  assert.equal(view.pay, true);
  assert.equal(view.error, "The shop is busy. Nothing was charged: please try again.");
  assert.equal(noticeOf(outcome).message, "The shop is busy. Nothing was charged: please try again.");
});

test("no answer, or a server error, is retried with the same key: safe, not 'nothing charged'", () => {
  const network = failureOutcome(answer(0, { detail: "Could not reach the shop." }));
  assert.deepEqual(network, { kind: RETRY, message: "Could not reach the shop.", nothingCharged: false });
  assert.equal(dialogViewOf(network).error, "Could not reach the shop. Paying again is safe: you won't be charged twice.");
  assert.equal(failureOutcome(answer(500, { detail: "Server error.", code: "server_error" })).kind, RETRY);
  // A failure that is no API answer (Stripe.js threw, say): a sentence of our own.
  const unknown = failureOutcome({});
  assert.equal(unknown.kind, RETRY);
  assert.equal(
    dialogViewOf(unknown).error,
    "Something went wrong. Please try again. Paying again is safe: you won't be charged twice.",
  );
});

test("a decline or an invalid order is refused for good: the next card is a new payment", () => {
  for (const [status, code] of [
    [402, "payment_declined"],
    [400, "order_invalid"],
    [402, ""],
    [400, ""],
  ]) {
    const outcome = failureOutcome(answer(status, { error: "Your card was declined.", code }));
    assert.deepEqual(outcome, { kind: REFUSED, message: "Your card was declined.", newKey: true });
    assert.deepEqual(dialogViewOf(outcome), {
      panel: "form",
      error: "Your card was declined.",
      pay: true,
      downloadOrderId: null,
    });
    assert.equal(noticeOf(outcome).message, "Your card was declined. Nothing was charged.");
  }
});

test("another 4xx shows its message and keeps the key: it says nothing of an earlier attempt", () => {
  for (const [status, code] of [
    [422, "idempotency_key_reused"],
    [429, "throttled"],
    [404, "order_not_found"],
    [401, "not_authenticated"],
  ]) {
    const outcome = failureOutcome(answer(status, { detail: "No.", code }));
    assert.deepEqual(outcome, { kind: REFUSED, message: "No.", newKey: false });
  }
});

test("a lapsed session asks to log in, and shows no notice", () => {
  const outcome = failureOutcome({ sessionExpired: true });
  assert.deepEqual(outcome, { kind: SESSION });
  assert.deepEqual(dialogViewOf(outcome), { logIn: true });
  assert.equal(noticeOf(outcome), null);
});

test("a code named like an Object property is no known code", () => {
  assert.equal(failureOutcome(answer(409, { code: "constructor" })).kind, CONFIRMING);
  assert.equal(failureOutcome(answer(402, { code: "__proto__" })).kind, REFUSED);
});
