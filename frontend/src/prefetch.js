// Inlined into index.html right after its settings (see build.mjs): start the catalog request
// while the app's script is still downloading.  api.js takes the answer up for the first GET of the
// catalog (only on the catalog view, the one that needs it at once).
(function prefetchCatalog() {
  // A page's first Intl.NumberFormat loads the locale's number and currency data: 30 ms on a laptop,
  // about 100 ms on a slow phone, and the catalog's first price paid for it after the script arrived.
  // Made now, in the wait for the script, every formatter after it costs a tenth of a millisecond.
  setTimeout(() => {
    try {
      new Intl.NumberFormat(undefined, { style: "currency", currency: "USD" }).format(1);
    } catch {
      // No Intl: format.js falls back to "20 USD".
    }
  }, 0);
  const route = window.location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  if ((route && route !== "catalog") || typeof fetch !== "function") {
    return;
  }
  let config = null;
  try {
    config = JSON.parse(document.getElementById("frameseller-config").textContent);
  } catch {
    // No settings: the API is on the same origin, as the app assumes too (settings.js).
  }
  const base = String((config && config.apiBaseUrl) || "").replace(/\/+$/, "");
  const path = "product/";
  // The answer is read and decoded here too, as it arrives: the app then has the photos in hand and
  // draws them in the same task that starts it, not a frame later.
  window.FRAMESELLER_PREFETCH = {
    path,
    // Never with a token: the catalog is public (and a stale token is ignored there anyway).
    answer: fetch(`${base}/api/${path}`, { headers: { Accept: "application/json" } }).then((response) =>
      response.json().then(
        (data) => ({ ok: response.ok, status: response.status, data }),
        () => ({ ok: response.ok, status: response.status, data: null }),
      ),
    ),
  };
  // A failed prefetch is retried by the app itself; don't report it as unhandled here.
  window.FRAMESELLER_PREFETCH.answer.catch(() => {});
})();
