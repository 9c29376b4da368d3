// Renew the shopper's token before it expires (POST /api/api-token-refresh/), so that a shopper
// who keeps the site open is never logged out mid-session, and at once when it has expired while
// the page was closed or the device slept (the API renews it within its 7-day refresh window).
// Every tab schedules the renewal; the first to get there renews (one at a time, through a Web
// Lock), the others find the new token in localStorage and schedule from it.
import { ApiError, apiRequest } from "./api.js";
import { decodeToken, expiresAt, onSessionChange, replaceToken, serverNow, storedToken, tokenState } from "./token.js";

// Renew this long before the token expires (it lives 60 minutes), or after three quarters of
// its life if it is shorter-lived.
const RENEW_BEFORE = 5 * 60 * 1000;
// After an attempt that got no answer (offline, a 5xx, 429), try again this much later.
const RETRY_AFTER = 30 * 1000;
const LOCK_NAME = "frameseller.token-renewal";

let timer = null;
let notBefore = 0;
let onRefused = () => {};

/** When to renew `token` (ms since the epoch, server time); null when it can't be renewed. */
function renewalTime(token) {
  const payload = decodeToken(token);
  const expiry = expiresAt(token);
  if (!payload || expiry === null) {
    return null;
  }
  if (typeof payload.refresh_exp === "number" && payload.refresh_exp * 1000 <= serverNow()) {
    return null; // past its refresh window: it lives out its time, then the shopper logs in again
  }
  const lifetime = typeof payload.iat === "number" ? expiry - payload.iat * 1000 : Infinity;
  return expiry - Math.min(RENEW_BEFORE, lifetime / 4);
}

/** (Re)plan the renewal of the token held now. */
function schedule() {
  clearTimeout(timer);
  timer = null;
  const token = storedToken();
  const at = token ? renewalTime(token) : null;
  if (at === null) {
    return;
  }
  const delay = Math.max(at - serverNow(), notBefore - Date.now(), 0);
  timer = setTimeout(() => renew(token), delay);
}

/** Run `task` while holding the renewal lock shared by the site's tabs (where Web Locks exist). */
function exclusively(task) {
  return navigator.locks ? navigator.locks.request(LOCK_NAME, task) : task();
}

async function renew(token) {
  timer = null;
  await exclusively(async () => {
    // Another tab may have renewed it while this one waited, or the shopper logged out.
    if (storedToken() !== token || renewalTime(token) === null) {
      return;
    }
    try {
      const data = await apiRequest("api-token-refresh/", { method: "POST", body: { token } });
      notBefore = 0;
      replaceToken(token, data.token);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 403 || error.status === 400)) {
        // Refused (signed with another key, a password changed, the refresh window over): drop it.
        onRefused(token);
      } else {
        notBefore = Date.now() + RETRY_AFTER;
      }
    }
  });
  schedule();
}

/**
 * Renew an expired token that is still within its refresh window, now; resolve once it is renewed,
 * refused or could not be asked (then the token stays, for the next attempt).
 */
export async function renewExpired() {
  const token = storedToken();
  if (tokenState() === "renewable") {
    clearTimeout(timer);
    await renew(token);
  }
}

/**
 * Keep the token renewed from now on.  `refused(token)` is called when the API refuses to renew
 * it: the token must be dropped.
 */
export function startTokenRenewal({ refused }) {
  onRefused = refused;
  onSessionChange(schedule);
  // Timers stop while a device sleeps: look again when the page comes back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") {
      schedule();
    }
  });
  window.addEventListener("online", schedule);
  schedule();
}
