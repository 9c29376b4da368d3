// The shopper's session: the JWT in localStorage, its payload, log in and out,
// and what happens when the API stops accepting it.
import { ApiError, apiRequest } from "./api.js";

const TOKEN_KEY = "frameseller.token";
const AFTER_LOGIN_KEY = "frameseller.afterLogin";
const listeners = [];

export class SessionExpiredError extends Error {
  constructor() {
    super("Your session has expired. Please log in again.");
    this.name = "SessionExpiredError";
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

function storedToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** "none", "valid" or "expired" (a token we can't read counts as expired). */
export function tokenState() {
  const token = storedToken();
  if (!token) {
    return "none";
  }
  const payload = decodeToken(token);
  if (!payload || typeof payload.exp !== "number" || payload.exp * 1000 <= Date.now()) {
    return "expired";
  }
  return "valid";
}

/** The logged-in shopper from the token's payload, or null. */
export function currentUser() {
  return tokenState() === "valid" ? decodeToken(storedToken()) : null;
}

export function onSessionChange(listener) {
  listeners.push(listener);
}

function notify() {
  listeners.forEach((listener) => listener(currentUser()));
}

function saveToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
  notify();
}

export function logout() {
  localStorage.removeItem(TOKEN_KEY);
  notify();
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
