// My orders: each order with its photo, date, price and payment status.
import $ from "jquery/slim";

import { authRequest, currentUser, SessionExpiredError } from "./auth.js";
import { downloadButton } from "./download.js";
import { formatDateTime, formatPrice } from "./format.js";
import { photoImage } from "./images.js";
import { focusHeading } from "./router.js";
import { loginRequired, sessionExpired } from "./session.js";

const STATUSES = {
  PAID: { label: "Paid", className: "text-bg-success" },
  UNPAID: { label: "Payment pending", className: "text-bg-warning" },
  FAILED: { label: "Failed", className: "text-bg-danger" },
  REFUNDED: { label: "Refunded", className: "text-bg-secondary" },
};

/** A coloured badge for a payment status: PAID green, UNPAID amber, FAILED red. */
export function statusBadge(status) {
  const known = STATUSES[status] || { label: String(status || "Unknown"), className: "text-bg-secondary" };
  return $("<span>", { class: `badge ${known.className}`, "data-status": status }).text(known.label);
}

function orderItem(order) {
  const product = order.product || {};
  const title = product.title || product.description || "Photo";
  const $item = $("<li>", { class: "card shadow-sm", "data-order-id": order.id });
  const $body = $("<div>", { class: "card-body d-flex gap-3 align-items-start" }).appendTo($item);
  const src = product.thumbnail_url || product.url;
  $body.append(photoImage({ src, alt: title, width: 120, height: 80, className: "photo-thumb rounded" }));
  const $text = $("<div>", { class: "flex-grow-1" }).appendTo($body);
  const $heading = $("<div>", { class: "d-flex flex-wrap align-items-center gap-2 mb-1" }).appendTo($text);
  $("<h2>", { class: "h6 mb-0" }).text(title).appendTo($heading);
  $heading.append(statusBadge(order.paymentstatus));
  const $meta = $("<p>", { class: "mb-0 text-body-secondary" }).appendTo($text);
  $("<time>", { datetime: order.orderdate }).text(formatDateTime(order.orderdate)).appendTo($meta);
  $meta.append(document.createTextNode(" · "));
  $("<span>", { class: "price" }).text(formatPrice(product.price, product.currency)).appendTo($meta);
  $meta.append(document.createTextNode(` · Order #${order.id}`));
  if (order.paymentstatus === "FAILED" && order.failure_reason) {
    $("<p>", { class: "mb-0 mt-1 text-danger small" }).text(order.failure_reason).appendTo($text);
  }
  if (order.downloadable) {
    $body.append(downloadButton(order.id, { className: "btn btn-primary btn-sm" }));
  }
  return $item;
}

export function renderOrders($view, { signal }) {
  if (!currentUser()) {
    loginRequired("Log in to see your orders.", { route: "orders" });
    return;
  }
  const $section = $($("#tpl-orders").html()).appendTo($view);
  const $status = $section.find(".orders-status");
  const $list = $section.find(".orders-list");
  focusHeading($view);

  async function load() {
    $status.html($("#tpl-loading").html());
    try {
      const orders = await authRequest("order/", { signal });
      $status.empty();
      if (!orders.length) {
        const $empty = $("<p>").text("You have no orders yet. ");
        $("<a>", { href: "#/catalog" }).text("Browse the photos").appendTo($empty);
        $status.append($empty);
        return;
      }
      $list.empty().append(orders.map(orderItem));
    } catch (error) {
      if (error instanceof SessionExpiredError) {
        sessionExpired({ route: "orders" });
      } else if (error.name !== "AbortError") {
        const $alert = $("<div>", { class: "alert alert-danger", role: "alert" });
        $alert.text(`Your orders could not be loaded. ${error.message}`);
        $status.empty().append($alert);
      }
    }
  }
  load();
}
