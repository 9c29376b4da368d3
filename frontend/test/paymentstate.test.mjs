// The payment state of a tab: keys, payments in flight, which checkout shows which outcome.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";

import { AUTHENTICATE, CONFIRMING, OWNED, PAID, REFUSED, RETRY } from "../src/paymentoutcome.js";
import { Payments } from "../src/paymentstate.js";

/** A tab's session storage, as checkoutkeys.js keeps it (copies in and out, as JSON does). */
function sessionStore() {
  const unsettled = {};
  const inFlight = {};
  const copy = (value) => JSON.parse(JSON.stringify(value));
  return {
    unsettled,
    inFlight,
    unsettledKey: (productId) => unsettled[productId] || null,
    rememberUnsettled(productId, key) {
      unsettled[productId] = key;
    },
    forgetUnsettled(productId, key) {
      if (unsettled[productId] === key) {
        delete unsettled[productId];
      }
    },
    paymentInFlight: (productId) => (inFlight[productId] ? copy(inFlight[productId]) : null),
    paymentsInFlight: () => copy(inFlight),
    rememberPayment(productId, payment) {
      inFlight[productId] = { ...inFlight[productId], ...copy(payment) };
    },
    forgetPayment(productId, key) {
      if (inFlight[productId] && inFlight[productId].key === key) {
        delete inFlight[productId];
      }
    },
  };
}

function tab(store = sessionStore()) {
  let n = 0;
  return new Payments(store, { newKey: () => `key-${++n}` });
}

const FUJI = { id: 3, title: "Mount Fuji", price: "135.50", currency: "USD" };
const BRIDGE = { id: 4, title: "Brooklyn Bridge", price: "99.00", currency: "USD" };
const ORDER = { id: 21, paymentstatus: "PAID", product: FUJI };

function apiError(status, body) {
  return { status, code: body.code || "", message: body.detail || body.error || "", data: body };
}

test("a checkout opens with a new key and the card form; Pay sends with that key", () => {
  const payments = tab();
  const checkout = payments.open(FUJI);
  assert.equal(checkout.key, "key-1");
  assert.equal(checkout.opening(), "form");
  assert.equal(checkout.canPay(), true);
  const attempt = checkout.pay();
  assert.deepEqual([attempt.productId, attempt.key, attempt.title], [3, "key-1", "Mount Fuji"]);
  assert.equal(attempt.state, "new");
});

test("while a payment is in flight its photo offers no Pay, and a checkout reopened keeps its key", () => {
  const store = sessionStore();
  const payments = tab(store);
  const checkout = payments.open(FUJI);
  const attempt = checkout.pay();
  attempt.send("tok_1");
  assert.equal(attempt.state, "sent");
  assert.deepEqual(store.inFlight[3], { key: "key-1", token: "tok_1", title: "Mount Fuji", state: "paying", orderId: null });
  assert.equal(checkout.canPay(), false);

  checkout.end();
  const reopened = payments.open(FUJI);
  assert.equal(reopened.key, "key-1");
  assert.equal(reopened.opening(), "inflight");
  assert.equal(reopened.canPay(), false);
  // The answer to the first checkout's payment shows in the one open now.
  assert.equal(reopened.shows(attempt), true);
  assert.equal(checkout.isLatest(attempt), true);
});

test("paid: the key and the payment in flight are forgotten; the next checkout has a new key", () => {
  const store = sessionStore();
  const payments = tab(store);
  const attempt = payments.open(FUJI).pay();
  attempt.send("tok_1");
  const outcome = attempt.answered({ order: ORDER });
  assert.deepEqual(outcome, { kind: PAID, order: ORDER });
  assert.equal(attempt.state, PAID);
  assert.deepEqual(store.unsettled, {});
  assert.deepEqual(store.inFlight, {});
  assert.equal(payments.open(FUJI).key, "key-2");
});

test("3-D Secure: in flight with its order until the confirmation answers", () => {
  const store = sessionStore();
  const payments = tab(store);
  const checkout = payments.open(FUJI);
  const attempt = checkout.pay();
  attempt.send("tok_1");
  const challenge = attempt.answered({ requires_action: true, order_id: 21, client_secret: "pi_1_secret" });
  assert.deepEqual(challenge, { kind: AUTHENTICATE, orderId: 21, clientSecret: "pi_1_secret" });
  assert.equal(store.inFlight[3].orderId, 21);
  assert.equal(store.inFlight[3].state, "paying");
  assert.equal(checkout.canPay(), false);

  assert.equal(attempt.answered({ order: ORDER }).kind, PAID);
  assert.deepEqual(store.inFlight, {});
});

test("3-D Secure failed (402 on confirm): refused, Pay again with a new key", () => {
  const payments = tab();
  const checkout = payments.open(FUJI);
  const attempt = checkout.pay();
  attempt.send("tok_1");
  attempt.answered({ requires_action: true, order_id: 21, client_secret: "s" });
  const outcome = attempt.failed(apiError(402, { error: "The bank refused the authentication.", code: "payment_declined" }));
  assert.equal(outcome.kind, REFUSED);
  assert.equal(checkout.view(outcome).pay, true);
  assert.equal(checkout.canPay(), true);
  assert.equal(checkout.key, "key-2");
});

test("declined: the open checkout that took up the key gets a new one; nothing stays in flight", () => {
  const store = sessionStore();
  const payments = tab(store);
  const first = payments.open(FUJI);
  const attempt = first.pay();
  attempt.send("tok_1");
  first.end();
  const reopened = payments.open(FUJI);
  const closed = first.key;
  attempt.failed(apiError(402, { error: "Your card was declined.", code: "payment_declined" }));
  assert.equal(closed, "key-1");
  assert.equal(reopened.key, "key-2");
  assert.equal(first.key, "key-1"); // closed: it pays no more
  assert.deepEqual(store.unsettled, {});
  assert.deepEqual(store.inFlight, {});
  assert.equal(reopened.canPay(), true);
});

for (const [what, failure] of [
  ["no answer", apiError(0, { detail: "Could not reach the shop." })],
  ["a 500", apiError(500, { detail: "Server error.", code: "server_error" })],
  ["payment_busy", apiError(503, { detail: "The shop is busy.", code: "payment_busy" })],
  ["a 429", apiError(429, { detail: "Slow down.", code: "throttled" })],
]) {
  test(`${what}: Pay is offered again with the same key`, () => {
    const store = sessionStore();
    const payments = tab(store);
    const checkout = payments.open(FUJI);
    const attempt = checkout.pay();
    attempt.send("tok_1");
    const outcome = attempt.failed(failure);
    assert.ok([RETRY, REFUSED].includes(outcome.kind));
    assert.equal(checkout.view(outcome).pay, true);
    assert.equal(checkout.canPay(), true);
    assert.equal(checkout.key, "key-1");
    assert.deepEqual(store.unsettled, { 3: "key-1" });
    assert.deepEqual(store.inFlight, {});
    assert.equal(checkout.pay().key, "key-1");
  });
}

for (const failure of [
  apiError(503, { detail: "We could not confirm it.", code: "payment_pending", order_id: 21 }),
  apiError(502, { detail: "Stripe refused.", code: "payment_rejected", order_id: 21 }),
  apiError(409, { detail: "Still processing.", code: "payment_in_progress", order_id: 21 }),
  apiError(409, { error: "You already own this photo.", order_id: 21 }),
  apiError(503, { detail: "Database down.", code: "service_unavailable", order_id: 21 }),
]) {
  test(`${failure.status} ${failure.code || "without a code"}: being confirmed, no Pay, now or after reopening`, () => {
    const store = sessionStore();
    const payments = tab(store);
    const checkout = payments.open(FUJI);
    const attempt = checkout.pay();
    attempt.send("tok_1");
    const outcome = attempt.failed(failure);
    assert.equal(outcome.kind, CONFIRMING);
    assert.deepEqual(checkout.view(outcome), { panel: "pending" });
    assert.equal(checkout.confirming, true);
    assert.equal(checkout.canPay(), false);
    assert.deepEqual(store.inFlight[3], { key: "key-1", token: "tok_1", title: "Mount Fuji", state: "confirming", orderId: 21 });
    assert.equal(payments.anyConfirming(), true);

    checkout.end();
    const reopened = payments.open(FUJI);
    assert.equal(reopened.key, "key-1");
    assert.equal(reopened.opening(), "pending");
    assert.equal(reopened.canPay(), false);
  });
}

test("owned: nothing in flight, the dialog offers the download instead of Pay", () => {
  const store = sessionStore();
  const payments = tab(store);
  const checkout = payments.open(FUJI);
  const attempt = checkout.pay();
  attempt.send("tok_1");
  const outcome = attempt.failed(
    apiError(409, { success: false, error: "You already own this photo.", code: "already_owned", order_id: 14 }),
  );
  assert.equal(outcome.kind, OWNED);
  assert.deepEqual(checkout.view(outcome), {
    panel: "form",
    error: "You already own this photo.",
    pay: false,
    downloadOrderId: 14,
  });
  assert.deepEqual(store.inFlight, {});
});

test("a confirmed outcome found in the orders settles the payment: paid, or failed with a new key", () => {
  const store = sessionStore();
  const payments = tab(store);
  const fuji = payments.open(FUJI).pay();
  fuji.send("tok_1");
  fuji.failed(apiError(503, { code: "payment_pending", order_id: 21 }));
  const bridge = payments.open(BRIDGE).pay();
  bridge.send("tok_2");
  bridge.failed(apiError(409, { code: "photo_payment_pending" })); // no order id: found by its photo
  const open = payments.open(BRIDGE);
  assert.equal(open.key, "key-2");

  const unpaid = [
    { id: 21, paymentstatus: "UNPAID", product: FUJI },
    { id: 22, paymentstatus: "UNPAID", product: BRIDGE },
  ];
  assert.deepEqual(payments.settleFromOrders(unpaid), []);
  assert.equal(payments.anyConfirming(), true);

  const settled = payments.settleFromOrders([
    { id: 21, paymentstatus: "PAID", product: FUJI },
    { id: 22, paymentstatus: "FAILED", failure_reason: "Your card was declined.", product: BRIDGE },
  ]);
  assert.deepEqual(
    settled.map(({ attempt, outcome }) => [attempt.productId, attempt.title, outcome.kind]),
    [
      ["3", "Mount Fuji", PAID],
      ["4", "Brooklyn Bridge", REFUSED],
    ],
  );
  assert.equal(settled[1].outcome.message, "The payment did not go through.");
  assert.deepEqual(store.inFlight, {});
  assert.deepEqual(store.unsettled, {});
  assert.equal(payments.anyConfirming(), false);
  // The failed payment's checkout, open on its photo, pays anew with a new key.
  assert.equal(open.shows(settled[1].attempt), true);
  assert.equal(open.view(settled[1].outcome).pay, true);
  assert.equal(open.canPay(), true);
  assert.notEqual(open.key, "key-2");
});

test("a page going away leaves its payment in flight; the next page view asks again with key and token", () => {
  const store = sessionStore();
  const before = tab(store);
  const attempt = before.open(FUJI).pay();
  attempt.send("tok_1");
  before.leaving = true;
  attempt.failed(apiError(0, { detail: "Could not reach the shop." }));
  assert.equal(store.inFlight[3].state, "paying");

  const after = tab(store);
  const [resumed] = after.resumable();
  assert.deepEqual([resumed.productId, resumed.key, resumed.token, resumed.title], ["3", "key-1", "tok_1", "Mount Fuji"]);
  resumed.send(resumed.token);
  // While it is asked about, it is not resumed a second time.
  assert.deepEqual(after.resumable(), []);
  assert.equal(resumed.answered({ order: ORDER }).kind, PAID);
  assert.deepEqual(store.inFlight, {});
});

test("a checkout shows its latest payment only, and not another photo's", () => {
  const payments = tab();
  const checkout = payments.open(FUJI);
  const older = checkout.pay();
  const latest = checkout.pay();
  assert.equal(checkout.shows(older), false);
  assert.equal(checkout.shows(latest), true);
  const bridge = payments.open(BRIDGE).pay();
  assert.equal(payments.open(FUJI).shows(bridge), false);
});

test("payments of several photos are independent of one another", () => {
  const store = sessionStore();
  const payments = tab(store);
  const fuji = payments.open(FUJI);
  const bridge = payments.open(BRIDGE);
  const a = fuji.pay();
  const b = bridge.pay();
  a.send("tok_a");
  b.send("tok_b");
  a.failed(apiError(402, { error: "Declined.", code: "payment_declined" }));
  assert.equal(fuji.canPay(), true);
  assert.equal(bridge.canPay(), false);
  assert.equal(bridge.key, "key-2");
  b.answered({ order: { id: 30, product: BRIDGE } });
  assert.deepEqual(store.inFlight, {});
});

test("the payment state touches no page: no DOM, no jQuery, no window", async () => {
  for (const name of ["paymentstate.js", "paymentoutcome.js"]) {
    const source = await readFile(new URL(`../src/${name}`, import.meta.url), "utf8");
    const code = source.replace(/\/\/.*$/gm, "").replace(/\/\*[\s\S]*?\*\//g, "");
    assert.doesNotMatch(code, /\b(document|window|jquery|sessionStorage|localStorage|fetch)\b/, name);
  }
});
