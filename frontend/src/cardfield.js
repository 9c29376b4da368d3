// The Stripe card field of the checkout dialog: mounted as the dialog opens, turned into a card
// token on Pay, removed as it closes.
import $ from "jquery/slim";

import { loadStripe } from "./stripe.js";

const SELECTOR = "#card-field";
// The card Element mounted, if any.
let card = null;

export function destroyCardField() {
  if (card) {
    card.destroy();
    card = null;
  }
  $(SELECTOR).empty();
}

/**
 * Mount a card field (Stripe.js loaded first); resolve to the Stripe instance. `onError` gets the
 * card's errors as the shopper types ("" once fixed).
 */
export async function mountCardField(onError) {
  destroyCardField();
  const stripe = await loadStripe();
  card = stripe.elements().create("card");
  card.mount(SELECTOR);
  card.on("change", (event) => {
    // Real Stripe reports the card's errors as you type; the emulator sends no event.
    onError(event && event.error ? event.error.message : "");
  });
  // The local emulator mounts plain inputs: give them names a screen reader can read.
  $(`${SELECTOR} input`).each(function label() {
    const $input = $(this);
    if (!$input.attr("aria-label")) {
      $input.attr("aria-label", `Card ${$input.attr("placeholder").replace("_", " ")}`);
    }
  });
  return stripe;
}

export function cardFieldMounted() {
  return card !== null;
}

/** Turn the card field into a Stripe token: `{ token }`, or `{ error }` with a message to show. */
export async function tokenizeCard(stripe) {
  try {
    return await stripe.createToken(card);
  } catch {
    return { error: { message: "Please fill in your card details." } };
  }
}

export function focusCardField() {
  if (card && typeof card.focus === "function") {
    card.focus();
  } else {
    $(`${SELECTOR} input`).first().trigger("focus");
  }
}
