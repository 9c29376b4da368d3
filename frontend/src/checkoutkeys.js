// Where the payment state (paymentstate.js) keeps what must outlive the page: the tab's session
// storage. Small, and in the first script: the page learns at once whether a payment of this tab is
// still in flight (checkoutloader.js), before the checkout's code loads.

// Idempotency-Keys of payments sent whose outcome the site has not learnt (in flight, or after a
// network error, a 5xx, 503 or 409), by product id, kept for the tab's session: opening the same
// photo's checkout again (even after a reload) carries on with the same key, so it can't charge twice.
const STORAGE_KEY = "frameseller.unsettledCheckouts";
// Where the keys go when sessionStorage can't be used (storage disabled, or full).
const memoryKeys = {};

function unsettledKeys() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY));
    return stored && typeof stored === "object" ? stored : {};
  } catch {
    return memoryKeys;
  }
}

function saveUnsettled(keys) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(keys));
  } catch {
    Object.assign(memoryKeys, keys);
  }
}

/** The key of the unsettled payment of `productId`, or null: a checkout of it carries on with it. */
export function unsettledKey(productId) {
  const key = unsettledKeys()[productId];
  return typeof key === "string" && key ? key : null;
}

/** Remember that a payment of `productId` went out with `key` and its outcome is not known yet. */
export function rememberUnsettled(productId, key) {
  saveUnsettled({ ...unsettledKeys(), [productId]: key });
}

/** Forget `key`: its payment of `productId` is settled (paid, or refused for good). */
export function forgetUnsettled(productId, key) {
  const keys = unsettledKeys();
  if (keys[productId] === key) {
    delete keys[productId];
    delete memoryKeys[productId];
    saveUnsettled(keys);
  }
}

// --- Payments in flight, by product id --------------------------------------------------------
// A payment sent whose answer has not come yet (or that the server is still confirming) is kept
// for the tab's session with what is needed to learn its outcome: the key and the card token the
// first request sent (repeating both never charges again: the server answers the first attempt's
// outcome). While it is kept, the photo's checkout offers no Pay: closing the dialog, reopening it
// or reloading the page can't start a second payment.
const PAYMENTS_KEY = "frameseller.paymentsInFlight";
const memoryPayments = {};

function storedPayments() {
  try {
    const stored = JSON.parse(sessionStorage.getItem(PAYMENTS_KEY));
    return stored && typeof stored === "object" ? stored : {};
  } catch {
    return memoryPayments;
  }
}

function savePayments(payments) {
  try {
    sessionStorage.setItem(PAYMENTS_KEY, JSON.stringify(payments));
  } catch {
    Object.assign(memoryPayments, payments);
  }
}

/**
 * The payment of `productId` whose outcome is not known yet, or null:
 * `{key, token, title, state: "paying" | "confirming", orderId}`. "paying": sent, no answer yet
 * (3-D Secure included); "confirming": the server could not tell yet (502, 503, 409).
 */
export function paymentInFlight(productId) {
  const payment = storedPayments()[productId];
  return payment && typeof payment === "object" && payment.key ? payment : null;
}

/** All payments in flight, by product id. */
export function paymentsInFlight() {
  return storedPayments();
}

/** Record (or update) the payment of `productId` in flight. */
export function rememberPayment(productId, payment) {
  const payments = storedPayments();
  savePayments({ ...payments, [productId]: { ...payments[productId], ...payment } });
}

/** Forget the payment of `productId` made with `key`: its outcome is known. */
export function forgetPayment(productId, key) {
  const payments = storedPayments();
  if (payments[productId] && payments[productId].key === key) {
    delete payments[productId];
    delete memoryPayments[productId];
    savePayments(payments);
  }
}
