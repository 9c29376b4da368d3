// The JWT the shopper holds: kept in localStorage (shared by every tab of the site), decoded,
// replaced when renewed, dropped when it expires or the API refuses it.  Whoever it names is the
// shopper; checkSession() tells the listeners whenever that changes, whatever changed it.
const TOKEN_KEY = "frameseller.token";
// The server's clock minus this device's (ms), learnt from the `iat` of the last token the API
// issued: a device whose clock is off still knows when its token expires.
const CLOCK_KEY = "frameseller.clockOffset";

export const TOKEN_STORAGE_KEY = TOKEN_KEY;

const listeners = [];

function read(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function remove(key) {
  try {
    localStorage.removeItem(key);
  } catch {
    // Storage disabled: there was nothing to remove.
  }
}

/** Decode a JWT's payload (base64url JSON, UTF-8); null when it is not one. */
export function decodeToken(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "="));
    const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === "object" ? payload : null;
  } catch {
    return null;
  }
}

export function storedToken() {
  return read(TOKEN_KEY);
}

/** The time now on the server's clock, as far as this device can tell (ms since the epoch). */
export function serverNow() {
  const offset = Number(read(CLOCK_KEY));
  return Date.now() + (Number.isFinite(offset) ? offset : 0);
}

/** When `token` expires (ms since the epoch, server time); null when it can't be read. */
export function expiresAt(token) {
  const payload = token ? decodeToken(token) : null;
  return payload && typeof payload.exp === "number" ? payload.exp * 1000 : null;
}

/** Whether an expired `token` may still be renewed: its refresh window (`refresh_exp`) is open. */
export function renewable(token) {
  const payload = decodeToken(token);
  return Boolean(payload && typeof payload.refresh_exp === "number" && payload.refresh_exp * 1000 > serverNow());
}

/**
 * "none", "valid", "renewable" (expired, but within its refresh window: the API renews it) or
 * "expired" (a token we can't read counts as expired).
 */
export function tokenState() {
  const token = storedToken();
  if (!token) {
    return "none";
  }
  const expiry = expiresAt(token);
  if (expiry !== null && expiry > serverNow()) {
    return "valid";
  }
  return expiry !== null && renewable(token) ? "renewable" : "expired";
}

function validToken() {
  return tokenState() === "valid" ? storedToken() : null;
}

/** The logged-in shopper from the token's payload, or null. */
export function currentUser() {
  const token = validToken();
  return token ? decodeToken(token) : null;
}

// The valid token the listeners were last told about (null: nobody logged in).
let announced = validToken();

/**
 * Call `listener(user, previous, { local })` whenever the valid token held changes: a log in or
 * out, a renewal, a token expired, or changed by another tab or by hand.  `local` is true when
 * this tab made the change itself (it then handles the views itself).
 */
export function onSessionChange(listener) {
  listeners.push(listener);
}

/** Compare the token held with the one announced last, and tell the listeners if it changed. */
export function checkSession({ local = false } = {}) {
  const token = validToken();
  if (token === announced) {
    return;
  }
  const previous = announced ? decodeToken(announced) : null;
  announced = token;
  const user = token ? decodeToken(token) : null;
  listeners.forEach((listener) => listener(user, previous, { local }));
}

/** Whether two token payloads name the same shopper (both null: nobody). */
export function sameShopper(user, other) {
  if (!user || !other) {
    return !user && !other;
  }
  return user.user_id === other.user_id && user.email === other.email;
}

/** Keep `token`, just issued by the API, and learn the server's clock from its `iat`. */
export function saveToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
  const payload = decodeToken(token);
  if (payload && typeof payload.iat === "number") {
    try {
      localStorage.setItem(CLOCK_KEY, String(Math.round(payload.iat * 1000 - Date.now())));
    } catch {
      // Without it the device's own clock is used.
    }
  }
  checkSession({ local: true });
}

/** Put `renewed` in place of `token`, unless the token has changed meanwhile (log out, another tab). */
export function replaceToken(token, renewed) {
  if (storedToken() !== token) {
    return false;
  }
  saveToken(renewed);
  return true;
}

/** Forget `token` (expired, or refused by the API), unless another one has replaced it meanwhile. */
export function dropToken(token) {
  if (token && storedToken() === token) {
    remove(TOKEN_KEY);
  }
  checkSession({ local: true });
}

/** Forget whatever token is held (logging out). */
export function forgetToken() {
  remove(TOKEN_KEY);
  checkSession({ local: true });
}
