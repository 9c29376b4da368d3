// Calls to the FrameSeller REST API (see the API contract): JSON in, JSON out.
import { settings } from "./settings.js";

/**
 * An error answer of the API: its HTTP `status` (0 when the server could not be reached), its body
 * (`data`), the sentence to show (`message`) and its `code`, the stable machine-readable name of the
 * error (docs/api.md; "" when the answer has none). Decide on the code, never on the sentence.
 */
export class ApiError extends Error {
  constructor(status, data, message) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.data = data;
    this.code = data && typeof data.code === "string" ? data.code : "";
  }
}

const NETWORK_MESSAGE = "Could not reach the shop. Check your connection and try again.";

function messageFor(status, data) {
  if (data && typeof data.error === "string" && data.error) {
    return data.error;
  }
  if (data && typeof data.detail === "string" && data.detail) {
    return data.detail;
  }
  return `Something went wrong (error ${status}). Please try again.`;
}

/**
 * The answer to `path` that index.html started fetching before this script loaded (prefetch.js), as
 * {ok, status, data}, taken once: later calls (a retry, a new visit of the view) ask the API again.
 */
function takePrefetched(path) {
  const prefetch = window.FRAMESELLER_PREFETCH;
  if (!prefetch || prefetch.path !== path) {
    return null;
  }
  window.FRAMESELLER_PREFETCH = null;
  return prefetch.answer;
}

/**
 * Send a request to the API and return the decoded JSON answer.
 * Throws ApiError for an error answer (status 0 when the server could not be reached).
 */
export async function apiRequest(path, { method = "GET", body, token, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (token) {
    init.headers.Authorization = `JWT ${token}`;
  }
  const plain = method === "GET" && !token && body === undefined && Object.keys(headers).length === 0;
  const prefetched = plain ? takePrefetched(path) : null;
  // A prefetch that could not reach the server is simply asked again.
  const answer = prefetched ? await prefetched.catch(() => null) : null;
  if (answer) {
    if (!answer.ok) {
      throw new ApiError(answer.status, answer.data, messageFor(answer.status, answer.data));
    }
    return answer.data;
  }
  let response = null;
  try {
    response = await fetch(`${settings.apiBaseUrl}/api/${path}`, init);
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new ApiError(0, null, NETWORK_MESSAGE);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(response.status, data, messageFor(response.status, data));
  }
  return data;
}
