// Runtime settings, written into index.html as JSON by whoever serves the page (the deploy tool
// for S3, Django in development); the build leaves null there.
function pageConfig() {
  try {
    return JSON.parse(document.getElementById("frameseller-config")?.textContent || "null");
  } catch {
    return null;
  }
}

const config = pageConfig();

export const settings = Object.freeze({
  // "" means the API is on the same origin as the site.
  apiBaseUrl: String(config?.apiBaseUrl || "").replace(/\/+$/, ""),
  stripePublishableKey: String(config?.stripePublishableKey || ""),
  stripeJsUrl: String(config?.stripeJsUrl || "https://js.stripe.com/v3/"),
  configured: config !== null && typeof config === "object",
});
