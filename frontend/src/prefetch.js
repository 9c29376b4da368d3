// Inlined into index.html right after its settings (see build.mjs): start the catalog request
// while the app's script is still downloading.  api.js takes the answer up for the first GET of the
// catalog (only on the catalog view, the one that needs it at once).
(function prefetchCatalog() {
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
  window.FRAMESELLER_PREFETCH = {
    path,
    // Never with a token: the catalog is public (and a stale token is ignored there anyway).
    response: fetch(`${base}/api/${path}`, { headers: { Accept: "application/json" } }),
  };
  // A failed prefetch is retried by the app itself; don't report it as unhandled here.
  window.FRAMESELLER_PREFETCH.response.catch(() => {});
})();
