// Prices and dates in the shopper's own locale.

// Making an Intl formatter is slow (milliseconds on a phone, each time); using one is not.  The
// catalog formats every price twice, so one formatter per currency is kept for the page's life.
const priceFormats = new Map();
let dateTimeFormat = null;

function priceFormat(code) {
  if (!priceFormats.has(code)) {
    priceFormats.set(code, new Intl.NumberFormat(undefined, { style: "currency", currency: code }));
  }
  return priceFormats.get(code);
}

/** Format an amount in major units (100 = 100.00) in its ISO currency. */
export function formatPrice(amount, currency = "usd") {
  const code = String(currency || "usd").toUpperCase();
  try {
    return priceFormat(code).format(amount);
  } catch {
    return `${amount} ${code}`;
  }
}

/**
 * Format an amount with its currency code too ("$35.00 USD", "CHF 35.00"): the catalog may hold
 * several currencies, and "$" alone is the sign of a dozen.
 */
export function formatPriceWithCode(amount, currency = "usd") {
  const code = String(currency || "usd").toUpperCase();
  const price = formatPrice(amount, currency);
  return price.includes(code) ? price : `${price} ${code}`;
}

/** Format an ISO 8601 timestamp as a date and time in the shopper's locale and time zone. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  dateTimeFormat ??= new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  return dateTimeFormat.format(date);
}
