// One photo (#/photo/<id>): the whole watermarked preview, its size, credit and licence, and Buy.
import $ from "jquery/slim";

import { apiRequest, ApiError } from "./api.js";
import { currentUser } from "./auth.js";
import { buyButton } from "./catalog.js";
import { ownedPhotos } from "./download.js";
import { formatPriceWithCode } from "./format.js";
import { noPhotosFirst, photosInViewFirst } from "./images.js";
import { PRICE_NOTE } from "./messages.js";
import { photoFrame } from "./photoframe.js";
import { focusHeading, restoreScroll, setTitle } from "./router.js";
import { zoomable } from "./zoom.js";

function photoId() {
  return window.location.hash.replace(/^#\/?photo\/?/, "").split(/[/?]/)[0];
}

function fact($list, term, value) {
  $("<dt>").text(term).appendTo($list);
  return $("<dd>").text(value).appendTo($list);
}

function render($section, product, owned) {
  const title = product.title || product.description;
  $section.find("h1").text(title);
  setTitle(title);
  const $frame = photoFrame(product, { kind: "preview", lazy: false });
  $section.find(".photo-detail-image").empty().append($frame);
  $frame.after(zoomable($frame, `Preview of ${title}`));
  const $info = $section.find(".photo-detail-info").empty();
  if (product.description && product.description !== title) {
    $("<p>").text(product.description).appendTo($info);
  }
  const $facts = $("<dl>", { class: "order-summary" }).appendTo($info);
  fact($facts, "Price", formatPriceWithCode(product.price, product.currency)).attr("data-fact", "price");
  fact($facts, "Size", `${product.width} × ${product.height} px`).attr("data-fact", "size");
  fact($facts, "Credit", product.credit || "—").attr("data-fact", "credit");
  fact($facts, "Licence", product.license || "—").attr("data-fact", "license");
  $("<p>", { class: "what-you-get" })
    .text(`You get the full-resolution original (${product.width} × ${product.height} px, no watermark) and its licence.`)
    .appendTo($info);
  $("<p>", { class: "small text-body-secondary price-note" }).text(PRICE_NOTE).appendTo($info);
  $info.append(buyButton(product, owned[product.id], "btn-lg"));
}

export function renderPhoto($view, { signal }) {
  const $section = $($("#tpl-photo").html()).appendTo($view);
  const $status = $section.find(".photo-status");
  setTitle("Photo");
  focusHeading($view);

  async function load() {
    $status.html($("#tpl-loading").html());
    try {
      const [product, owned] = await Promise.all([
        apiRequest(`product/${encodeURIComponent(photoId())}/`, { signal }),
        currentUser() ? ownedPhotos({ signal }) : {},
      ]);
      $status.empty();
      render($section, product, owned);
      restoreScroll();
      photosInViewFirst($section);
    } catch (error) {
      if (error.name === "AbortError") {
        return;
      }
      noPhotosFirst();
      const message =
        error instanceof ApiError && error.status === 404
          ? "This photo is not on sale."
          : `The photo could not be loaded. ${error.message}`;
      setTitle(error instanceof ApiError && error.status === 404 ? "Photo not on sale" : "Photo");
      const $alert = $("<div>", { class: "alert alert-danger", role: "alert" }).text(message);
      $status.empty().append($alert);
    }
  }
  load();
}
