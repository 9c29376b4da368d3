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

/** The key a checkout of `productId` pays with: the unsettled payment's key if there is one, else a new one. */
export function checkoutKeyFor(productId) {
  const key = unsettledKeys()[productId];
  return typeof key === "string" && key ? key : crypto.randomUUID();
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
