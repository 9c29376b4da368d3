// The state of the site's payments, without the page: the Idempotency-Key a checkout pays with,
// which payments are in flight (kept for the tab's session while their outcome is unknown), and
// which checkout shows which outcome. No DOM, no request: checkout.js sends the requests, feeds
// their answers in and shows what comes out. One Checkout per opening of a photo's checkout, one
// PaymentAttempt per payment sent, all of one tab in Payments: nothing here is one global purchase
// (a cart will pay for several photos at once).
import { ORDER_FAILED } from "./messages.js";
import { AUTHENTICATE, CONFIRMING, dialogViewOf, failureOutcome, PAID, REFUSED } from "./paymentoutcome.js";

/**
 * The payments of one tab. `store` keeps what outlives the page (checkoutkeys.js: the tab's session
 * storage); `newKey` makes an Idempotency-Key.
 */
export class Payments {
  constructor(store, { newKey = () => crypto.randomUUID() } = {}) {
    this.store = store;
    this.newKey = newKey;
    // The checkouts open: a payment refused for good gives the ones that took up its key a new one.
    this.checkouts = new Set();
    // By product id: the payment this page is waiting for an answer about.
    this.sending = new Map();
    // The page is being unloaded: its requests fail without an answer, and their payments stay in
    // flight for the next page view of this tab to ask about.
    this.leaving = false;
  }

  /** Open a checkout of `product`: it carries on with the key of the photo's unsettled payment, if any. */
  open(product) {
    const checkout = new Checkout(this, product, this.store.unsettledKey(product.id) || this.newKey());
    this.checkouts.add(checkout);
    return checkout;
  }

  /** The payments sent before the page was (re)loaded whose answer never came: ask again, same key and token. */
  resumable() {
    return Object.entries(this.store.paymentsInFlight())
      .filter(([productId, stored]) => stored.state === "paying" && stored.token && !this.sending.has(productId))
      .map(([productId, stored]) => new PaymentAttempt(this, { productId, ...stored }));
  }

  /** Whether a payment is being confirmed by the server: look for its outcome in the orders. */
  anyConfirming() {
    return Object.values(this.store.paymentsInFlight()).some((stored) => stored.state === "confirming");
  }

  /** Settle the confirming payments whose order in `orders` is now PAID or FAILED: `[{attempt, outcome}]`. */
  settleFromOrders(orders) {
    const settled = [];
    for (const [productId, stored] of Object.entries(this.store.paymentsInFlight())) {
      if (stored.state !== "confirming") {
        continue;
      }
      const order = orders.find((o) =>
        stored.orderId ? String(o.id) === String(stored.orderId) : String(o.product.id) === productId,
      );
      const attempt = new PaymentAttempt(this, { productId, ...stored });
      if (order && order.paymentstatus === "PAID") {
        settled.push({ attempt, outcome: attempt.settle({ kind: PAID, order }) });
      } else if (order && order.paymentstatus === "FAILED") {
        // Why, in the shop's words: the order's failure_reason is Stripe's sentence.
        settled.push({ attempt, outcome: attempt.settle({ kind: REFUSED, message: ORDER_FAILED, newKey: true }) });
      }
    }
    return settled;
  }

  renewKey(key) {
    for (const checkout of this.checkouts) {
      if (checkout.key === key) {
        checkout.key = this.newKey();
      }
    }
  }
}

/** One checkout of one photo, from opening its dialog to closing it. */
export class Checkout {
  constructor(payments, product, key) {
    this.payments = payments;
    this.product = product;
    // Every retry of the same payment sends this key: the server answers the first attempt's
    // outcome instead of charging the card again.
    this.key = key;
    // The latest payment started: answers to an older one are not shown.
    this.payment = null;
    // Its outcome is unknown and the server confirms it: no Pay.
    this.confirming = false;
  }

  /** What the dialog shows as it opens: "form", "inflight" (sent, no answer yet) or "pending" (being confirmed). */
  opening() {
    const stored = this.payments.store.paymentInFlight(this.product.id);
    if (stored && stored.state === "confirming") {
      this.confirming = true;
      return "pending";
    }
    return stored ? "inflight" : "form";
  }

  /** Whether Pay may send a payment: none of this photo is in flight or being confirmed. */
  canPay() {
    return !this.confirming && !this.payments.store.paymentInFlight(this.product.id);
  }

  /** Start a payment with this checkout's key. */
  pay() {
    const { product } = this;
    this.payment = new PaymentAttempt(this.payments, {
      productId: product.id,
      key: this.key,
      title: product.title || product.description,
      checkout: this,
    });
    return this.payment;
  }

  /** Whether `attempt` is the latest payment of this checkout. */
  isLatest(attempt) {
    return attempt.checkout === this && this.payment === attempt;
  }

  /** Whether this checkout shows `attempt`'s outcome: its own, or its photo's sent before it opened. */
  shows(attempt) {
    return this.isLatest(attempt) || (!this.payment && String(this.product.id) === String(attempt.productId));
  }

  /** What the dialog shows for `outcome` (see dialogViewOf()); Pay stays off while it is being confirmed. */
  view(outcome) {
    this.confirming = outcome.kind === CONFIRMING;
    return dialogViewOf(outcome);
  }

  /** The dialog closed: answers to its payment still settle their key, but it takes up no new key. */
  end() {
    this.payments.checkouts.delete(this);
  }
}

/** One payment of one photo: sent with its key and card token, answered, settled. */
export class PaymentAttempt {
  constructor(payments, { productId, key, title, token = null, orderId = null, checkout = null }) {
    this.payments = payments;
    this.productId = productId;
    this.key = key;
    this.title = title;
    this.token = token;
    this.orderId = orderId;
    this.checkout = checkout;
    // "new", "sent", then AUTHENTICATE (3-D Secure) or the kind of its outcome.
    this.state = "new";
  }

  /**
   * The order goes out with the card `token`. Until a definite answer its outcome is unknown: a
   * checkout of the same photo goes on with the same key, and offers no Pay while it is in flight.
   */
  send(token) {
    const { store } = this.payments;
    this.token = token;
    this.state = "sent";
    this.payments.sending.set(String(this.productId), this);
    store.rememberUnsettled(this.productId, this.key);
    store.rememberPayment(this.productId, { key: this.key, token, title: this.title, state: "paying", orderId: null });
  }

  /** The API answered the order or its confirmation with `answer` (201, or 202: 3-D Secure). */
  answered(answer) {
    if (answer.requires_action) {
      // The key stays remembered until the outcome is known.
      this.state = AUTHENTICATE;
      this.orderId = answer.order_id;
      this.payments.store.rememberPayment(this.productId, { orderId: answer.order_id });
      return { kind: AUTHENTICATE, orderId: answer.order_id, clientSecret: answer.client_secret };
    }
    return this.settle({ kind: PAID, order: answer.order });
  }

  /** The order or its confirmation failed (see failureOutcome()). */
  failed(failure) {
    return this.settle(failureOutcome(failure));
  }

  /**
   * Record what `outcome` says about the key and about the payment being in flight (even when the
   * dialog moved on), and return it. The key is kept unless the outcome is definite.
   */
  settle(outcome) {
    const { payments } = this;
    const { store } = payments;
    this.state = outcome.kind;
    if (payments.sending.get(String(this.productId)) === this) {
      payments.sending.delete(String(this.productId));
    }
    if (outcome.kind === PAID || (outcome.kind === REFUSED && outcome.newKey)) {
      store.forgetUnsettled(this.productId, this.key);
    }
    if (outcome.kind === REFUSED && outcome.newKey) {
      // Nothing was charged: the next attempt is a new payment, and needs a new key.
      payments.renewKey(this.key);
    }
    if (payments.leaving) {
      return outcome;
    }
    if (outcome.kind === CONFIRMING) {
      this.orderId = outcome.orderId || this.orderId;
      store.rememberPayment(this.productId, { state: "confirming", orderId: this.orderId || null });
    } else {
      // Over: Pay is offered again (with the same key unless refused for good).
      store.forgetPayment(this.productId, this.key);
    }
    return outcome;
  }
}
