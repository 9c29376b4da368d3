// Stripe.js, loaded from the URL in the page's settings (the real one, or the local emulator's).
import { settings } from "./settings.js";

let loading = null;

/** Load Stripe.js once and resolve to a Stripe instance for the publishable key. */
export function loadStripe() {
  if (loading) {
    return loading;
  }
  loading = new Promise((resolve, reject) => {
    if (!settings.stripePublishableKey) {
      reject(new Error("Card payments are not configured on this site."));
      return;
    }
    const script = document.createElement("script");
    script.src = settings.stripeJsUrl;
    script.async = true;
    script.onload = () => {
      if (typeof window.Stripe === "function") {
        resolve(window.Stripe(settings.stripePublishableKey));
      } else {
        reject(new Error("The payment form could not start. Please reload the page."));
      }
    };
    script.onerror = () => {
      script.remove();
      loading = null; // let the next checkout try again
      reject(new Error("The payment form could not load. Check your connection and try again."));
    };
    document.head.appendChild(script);
  });
  return loading;
}
