// Photos the shopper has just come to own, told at once to this tab's views and to the site's other
// tabs (a BroadcastChannel): a photo paid shows "Owned · Download" everywhere, never Buy again.
import { currentUser } from "./token.js";

const CHANNEL_NAME = "frameseller.owned";
const listeners = [];
let channel = null;

function tell(productId, orderId) {
  listeners.forEach((listener) => listener(String(productId), orderId));
}

/** Call `listener(productId, orderId)` whenever the shopper comes to own a photo (here or in another tab). */
export function onOwned(listener) {
  listeners.push(listener);
}

/** The shopper owns `productId` now (its paid order `orderId`): tell this tab's views and the other tabs. */
export function announceOwned(productId, orderId) {
  tell(productId, orderId);
  const user = currentUser();
  if (channel && user) {
    channel.postMessage({ userId: user.user_id, productId: String(productId), orderId });
  }
}

export function startOwnedSync() {
  if (typeof BroadcastChannel !== "function") {
    return; // the checkout still finds an owned photo before its card form opens
  }
  channel = new BroadcastChannel(CHANNEL_NAME);
  channel.addEventListener("message", ({ data }) => {
    const user = currentUser();
    // Only news of the shopper logged in here.
    if (data && user && data.userId === user.user_id && data.productId && data.orderId) {
      tell(data.productId, data.orderId);
    }
  });
}
