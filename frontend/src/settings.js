// Runtime settings from config.js (written by the deploy tool for S3, served
// by Django in development), loaded by index.html before this bundle.
const config = window.FRAMESELLER_CONFIG || {};

export const settings = Object.freeze({
  // "" means the API is on the same origin as the site.
  apiBaseUrl: String(config.apiBaseUrl || "").replace(/\/+$/, ""),
  stripePublishableKey: String(config.stripePublishableKey || ""),
  stripeJsUrl: String(config.stripeJsUrl || "https://js.stripe.com/v3/"),
  configured: Boolean(window.FRAMESELLER_CONFIG),
});
