// The shopper's session: log in and out, sign up, calls that need the token, and what to do
// once logged in.
import { ApiError, apiRequest } from "./api.js";
import { currentUser, forgetToken, saveToken, storedToken, tokenState } from "./token.js";
import { renewExpired } from "./tokenrenewal.js";

// The token itself lives in token.js; these are re-exported for the views.
export { currentUser, decodeToken, onSessionChange, tokenState } from "./token.js";

const AFTER_LOGIN_KEY = "frameseller.afterLogin";

export class SessionExpiredError extends Error {
  constructor() {
    super("Your session has expired. Please log in again.");
    this.name = "SessionExpiredError";
  }
}

export function logout() {
  forgetToken();
}

export async function login(email, password) {
  try {
    const data = await apiRequest("api-token-auth/", { method: "POST", body: { username: email, password } });
    saveToken(data.token);
    return currentUser();
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      throw new ApiError(400, error.data, "The email or password is not right. Please try again.");
    }
    throw error;
  }
}

export async function signup({ firstName, lastName, email, password }) {
  return apiRequest("signup/", {
    method: "POST",
    body: { first_name: firstName, last_name: lastName, email, password },
  });
}

/**
 * Call an endpoint that needs a login.  Throws SessionExpiredError when the
 * token has expired or the API refuses it (403).
 */
export async function authRequest(path, options = {}) {
  await renewExpired();
  if (tokenState() !== "valid") {
    throw new SessionExpiredError();
  }
  try {
    return await apiRequest(path, { ...options, token: storedToken() });
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      throw new SessionExpiredError();
    }
    throw error;
  }
}

/** Remember what to do once the shopper has logged in: {productId} or {route}. */
export function setAfterLogin(intent) {
  sessionStorage.setItem(AFTER_LOGIN_KEY, JSON.stringify(intent));
}

export function peekAfterLogin() {
  try {
    return JSON.parse(sessionStorage.getItem(AFTER_LOGIN_KEY)) || null;
  } catch {
    return null;
  }
}

export function takeAfterLogin() {
  const intent = peekAfterLogin();
  sessionStorage.removeItem(AFTER_LOGIN_KEY);
  return intent;
}
