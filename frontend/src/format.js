// Prices and dates in the shopper's own locale.

/** Format an amount in major units (100 = 100.00) in its ISO currency. */
export function formatPrice(amount, currency = "usd") {
  const code = String(currency || "usd").toUpperCase();
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: code }).format(amount);
  } catch {
    return `${amount} ${code}`;
  }
}

/** Format an ISO 8601 timestamp as a date and time in the shopper's locale and time zone. */
export function formatDateTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return "";
  }
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(date);
}
