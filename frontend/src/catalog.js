// The catalog (public): a grid of photos with their price and a Buy (or Download) button.
import $ from "jquery/slim";

import { apiRequest } from "./api.js";
import { currentUser, peekAfterLogin, takeAfterLogin } from "./auth.js";
import { openCheckout } from "./checkoutloader.js";
import { downloadButton, ownedPhotos } from "./download.js";
import { formatPriceWithCode } from "./format.js";
import { noPhotosFirst, photosInViewFirst } from "./images.js";
import { onOwned } from "./ownedsync.js";
import { photoFrame } from "./photoframe.js";
import { focusHeading, restoreScroll, setTitle } from "./router.js";
import { loginRequired } from "./session.js";

// A Buy button replaced by "Owned · Download" → its replacement (focus returns there).
const replaced = new WeakMap();

/** Buy, or "Owned · Download" when the shopper has the paid order `ownedOrderId`. */
export function buyButton(product, ownedOrderId, size = "") {
  const title = product.title || product.description;
  if (ownedOrderId) {
    return downloadButton(ownedOrderId, { label: "Owned · Download", className: `btn btn-outline-primary ${size}` }).attr(
      "aria-label",
      `Owned: download ${title}`,
    );
  }
  const price = formatPriceWithCode(product.price, product.currency);
  return $("<button>", { type: "button", class: `btn btn-primary buy ${size}`.trim() })
    .text("Buy")
    .attr("aria-label", `Buy ${title} for ${price}`)
    .data({ product, size })
    .on("click", function onBuy() {
      buy(product, this);
    });
}

/** Where a Buy button went once its photo was bought: the button that replaced it, or null. */
export function replacementOf(element) {
  let current = element;
  while (current && replaced.has(current)) {
    current = replaced.get(current);
  }
  return current && current !== element && document.body.contains(current) ? current : null;
}

// The photo is the shopper's now (bought here or in another tab): every Buy of it on the page
// becomes "Owned · Download".
onOwned((productId, orderId) => {
  $(".buy").each(function toOwned() {
    const $old = $(this);
    const product = $old.data("product");
    if (!product || String(product.id) !== productId) {
      return;
    }
    const $owned = buyButton(product, orderId, $old.data("size"));
    const hadFocus = document.activeElement === this;
    $old.replaceWith($owned);
    replaced.set(this, $owned[0]);
    if (hadFocus) {
      $owned.trigger("focus");
    }
  });
});

function productCard(product, owned) {
  const price = formatPriceWithCode(product.price, product.currency);
  const title = product.title || product.description;
  const href = `#/photo/${encodeURIComponent(product.id)}`;
  const $item = $("<li>", { class: "card h-100 shadow-sm", "data-product-id": product.id });
  // The photo opens its page too (the title link is the one in the tab order).
  $("<a>", { href, class: "photo-link", tabindex: "-1" })
    .append(photoFrame(product))
    .appendTo($item);
  const $body = $("<div>", { class: "card-body d-flex flex-column" }).appendTo($item);
  $("<h2>", { class: "h5 card-title" }).append($("<a>", { href }).text(title)).appendTo($body);
  if (product.description && product.description !== title) {
    $("<p>", { class: "text-body-secondary" }).text(product.description).appendTo($body);
  }
  const $footer = $("<div>", { class: "mt-auto d-flex align-items-center justify-content-between gap-2" });
  $("<span>", { class: "fs-5 fw-semibold price" }).text(price).appendTo($footer);
  $footer.append(buyButton(product, owned[product.id]));
  $body.append($footer);
  return $item;
}

function buy(product, button) {
  if (!currentUser()) {
    const title = product.title || product.description;
    loginRequired(`Log in or sign up to buy “${title}”.`, { productId: product.id });
    return;
  }
  openCheckout(product, button);
}

function showError($status, message, retry) {
  const $alert = $("<div>", { class: "alert alert-danger d-flex align-items-center gap-3", role: "alert" });
  $("<span>", { class: "flex-grow-1" }).text(message).appendTo($alert);
  $("<button>", { type: "button", class: "btn btn-outline-secondary btn-sm" })
    .text("Try again")
    .on("click", retry)
    .appendTo($alert);
  $status.empty().append($alert);
}

/** After logging in to buy a photo, open its checkout right away. */
function resumePurchase(products) {
  const intent = peekAfterLogin();
  if (!currentUser() || !intent || intent.productId === undefined) {
    return;
  }
  takeAfterLogin();
  const product = products.find((item) => String(item.id) === String(intent.productId));
  if (product) {
    const button = $(`[data-product-id="${Number(product.id)}"] .buy`)[0];
    openCheckout(product, button);
  }
}

// How the catalog can be sorted (GET /api/product/?ordering=), as the address and the API name it.
const ORDERINGS = [
  ["", "Featured"],
  ["newest", "Newest first"],
  ["price", "Price: low to high"],
  ["-price", "Price: high to low"],
];

/** The search and sort in the address: #/catalog?q=…&ordering=… */
function catalogQuery() {
  const query = window.location.hash.split("?")[1] || "";
  const params = new URLSearchParams(query);
  const q = (params.get("q") || "").trim();
  const ordering = ORDERINGS.some(([value]) => value === params.get("ordering")) ? params.get("ordering") : "";
  return { q, ordering };
}

function queryString({ q, ordering }) {
  const params = new URLSearchParams();
  if (q) {
    params.set("q", q);
  }
  if (ordering) {
    params.set("ordering", ordering);
  }
  return params.toString();
}

/** The search form: it changes the address (shareable, Back works); the view then asks the API. */
function searchForm(query) {
  const $form = $("<form>", { class: "catalog-search", role: "search", "aria-label": "Photos" });
  const $q = $("<div>").appendTo($form);
  $("<label>", { class: "form-label", for: "catalog-q" }).text("Search titles, descriptions and credits").appendTo($q);
  $("<input>", { class: "form-control", id: "catalog-q", name: "q", type: "search", maxlength: 200 })
    .val(query.q)
    .appendTo($q);
  const $sort = $("<div>").appendTo($form);
  $("<label>", { class: "form-label", for: "catalog-ordering" }).text("Sort by").appendTo($sort);
  const $select = $("<select>", { class: "form-select", id: "catalog-ordering", name: "ordering" }).appendTo($sort);
  for (const [value, label] of ORDERINGS) {
    $("<option>", { value }).text(label).prop("selected", value === query.ordering).appendTo($select);
  }
  $("<div>")
    .append($("<button>", { type: "submit", class: "btn btn-primary" }).text("Search"))
    .appendTo($form);
  function go(event) {
    event.preventDefault();
    const next = queryString({ q: String($form.find("[name=q]").val()).trim(), ordering: $select.val() });
    window.location.hash = next ? `#/catalog?${next}` : "#/catalog";
  }
  $form.on("submit", go);
  $select.on("change", go);
  return $form;
}

/** One sentence on what the search found, read out by screen readers. */
function resultsSummary(query, count) {
  if (!query.q) {
    return count === 1 ? "1 photo." : `${count} photos.`;
  }
  if (!count) {
    return `No photos match “${query.q}”.`;
  }
  return count === 1 ? `1 photo matches “${query.q}”.` : `${count} photos match “${query.q}”.`;
}

export function renderCatalog($view, { signal }) {
  const $section = $($("#tpl-catalog").html()).appendTo($view);
  const $status = $section.find(".catalog-status");
  const $grid = $section.find(".catalog-grid");
  const query = catalogQuery();
  const search = queryString(query);
  const $summary = $("<p>", { class: "catalog-summary text-body-secondary", role: "status" });
  $status.before(searchForm(query), $summary);
  setTitle(query.q ? `“${query.q}” · Photos for sale` : "Photos for sale");
  focusHeading($view);

  async function load() {
    $status.html($("#tpl-loading").html());
    try {
      const path = search ? `product/?${search}` : "product/";
      const [products, owned] = await Promise.all([apiRequest(path, { signal }), ownedPhotos({ signal })]);
      $status.empty();
      $summary.text(search ? resultsSummary(query, products.length) : "");
      if (!products.length) {
        noPhotosFirst();
      }
      if (!products.length && query.q) {
        $grid.empty();
        $status.append($("<p>").append($("<a>", { href: "#/catalog" }).text("Show all photos")));
        return;
      }
      if (!products.length) {
        $status.append($("<p>").text("No photos are on sale right now. Please come back soon."));
        return;
      }
      $grid.empty().append(products.map((product) => productCard(product, owned)));
      restoreScroll();
      photosInViewFirst($grid);
      resumePurchase(products);
    } catch (error) {
      if (error.name !== "AbortError") {
        noPhotosFirst();
        showError($status, `The photos could not be loaded. ${error.message}`, load);
      }
    }
  }
  load();
}
