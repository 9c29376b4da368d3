// My orders: the purchases (each opening its order's detail, #/orders/<id>) and, apart and
// collapsed, the attempts that failed.
import $ from "jquery/slim";

import { authRequest, currentUser, SessionExpiredError } from "./auth.js";
import { downloadButton } from "./download.js";
import { formatDateTime, formatPriceWithCode } from "./format.js";
import { ORDER_FAILED } from "./messages.js";
import { photoImage } from "./images.js";
import { focusHeading, restoreScroll, setTitle } from "./router.js";
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
  const $title = $("<h3>", { class: "h6 mb-0" }).appendTo($heading);
  if (order.paymentstatus === "FAILED") {
    $title.text(title);
  } else {
    $("<a>", { href: `#/orders/${encodeURIComponent(order.id)}` })
      .text(title)
      .attr("aria-label", `${title}, order #${order.id}`)
      .appendTo($title);
  }
  $heading.append(statusBadge(order.paymentstatus));
  // Each part on one line: on a phone they wrap between the parts, never inside one.
  const $meta = $("<p>", { class: "order-meta mb-0 text-body-secondary" }).appendTo($text);
  $("<time>", { datetime: order.orderdate }).text(formatDateTime(order.orderdate)).appendTo($meta);
  $meta.append(document.createTextNode(" · "));
  $("<span>", { class: "price" }).text(formatPriceWithCode(product.price, product.currency)).appendTo($meta);
  $meta.append(document.createTextNode(" · "));
  $("<span>").text(`Order #${order.id}`).appendTo($meta);
  if (order.paymentstatus === "FAILED") {
    // In the shop's words: the order's failure_reason is Stripe's sentence.
    $("<p>", { class: "mb-0 mt-1 text-danger small" }).text(`${ORDER_FAILED} Nothing was charged.`).appendTo($text);
  }
  if (order.downloadable) {
    $("<div>", { class: "order-actions" })
      .append(downloadButton(order.id, { className: "btn btn-primary btn-sm" }))
      .appendTo($body);
  }
  return $item;
}

/** The order id in the address (#/orders/<id>), or null on the list. */
function orderIdInAddress() {
  const match = /^#\/orders\/([1-9][0-9]*)$/.exec(window.location.hash);
  return match ? match[1] : null;
}

/** The purchases, then the failed attempts in their own section, collapsed. */
function showOrders($list, orders) {
  const purchases = orders.filter((order) => order.paymentstatus !== "FAILED");
  const failed = orders.filter((order) => order.paymentstatus === "FAILED");
  const $purchases = $("<section>", { class: "mb-4", "aria-labelledby": "orders-purchases" });
  $("<h2>", { class: "h5", id: "orders-purchases" }).text("Purchases").appendTo($purchases);
  if (purchases.length) {
    $("<ul>", { class: "orders-list orders-purchases" }).append(purchases.map(orderItem)).appendTo($purchases);
  } else {
    $("<p>").text("No purchases yet.").appendTo($purchases);
  }
  $list.replaceWith($purchases);
  if (failed.length) {
    const $failed = $("<details>", { class: "orders-failed" }).insertAfter($purchases);
    const attempts = failed.length === 1 ? "1 payment" : `${failed.length} payments`;
    $("<summary>", { class: "h5" }).text(`Failed payment attempts (${attempts}; nothing was charged)`).appendTo($failed);
    $("<ul>", { class: "orders-list mt-3" }).append(failed.map(orderItem)).appendTo($failed);
  }
}

export function renderOrders($view, { signal }) {
  if (!currentUser()) {
    loginRequired("Log in to see your orders.", { route: "orders" });
    return;
  }
  const orderId = orderIdInAddress();
  if (orderId) {
    renderOrderDetail($view, { signal, orderId });
    return;
  }
  const $section = $($("#tpl-orders").html()).appendTo($view);
  const $status = $section.find(".orders-status");
  const $list = $section.find(".orders-list");
  setTitle("My orders");
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
      showOrders($list, orders);
      restoreScroll();
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

/** One order in full: the photo, what was paid and how, its status, its Download (#/orders/<id>). */
function orderDetail(order) {
  const product = order.product || {};
  const title = product.title || product.description || "Photo";
  const $detail = $("<div>", { class: "order-detail", "data-order-id": order.id });
  $detail.append(
    photoImage({
      src: product.thumbnail_url || product.url,
      alt: title,
      width: 480,
      height: 320,
      className: "photo-detail-thumb rounded",
    }),
  );
  const $info = $("<div>").appendTo($detail);
  const $dl = $("<dl>", { class: "order-summary mb-3" }).appendTo($info);
  const row = (label, value) => {
    $("<dt>").text(label).appendTo($dl);
    return $("<dd>").append(value).appendTo($dl);
  };
  row("Photo", $("<a>", { href: `#/photo/${encodeURIComponent(product.id)}` }).text(title));
  row("Order number", document.createTextNode(`#${order.id}`));
  row("Date", $("<time>", { datetime: order.orderdate }).text(formatDateTime(order.orderdate)));
  row("Amount", document.createTextNode(formatPriceWithCode(product.price, product.currency)));
  row("Status", statusBadge(order.paymentstatus));
  if (order.card_last4) {
    row("Paid with", document.createTextNode(`${order.card_brand || "Card"} ending in ${order.card_last4}`));
  }
  if (order.paymentstatus === "FAILED") {
    row("Why it failed", document.createTextNode(`${ORDER_FAILED} Nothing was charged.`));
  }
  if (order.paymentstatus === "UNPAID") {
    $("<p>").text("The payment is being confirmed: don't pay again. This page shows it once settled.").appendTo($info);
  }
  if (order.downloadable) {
    $info.append(downloadButton(order.id, { className: "btn btn-primary" }));
  }
  return $detail;
}

function renderOrderDetail($view, { signal, orderId }) {
  const $section = $("<section>", { "aria-labelledby": "order-title" }).appendTo($view);
  $("<a>", { href: "#/orders" }).text("← My orders").appendTo($section);
  const $title = $("<h1>", { class: "h3 mb-3", id: "order-title" }).text(`Order #${orderId}`).appendTo($section);
  const $status = $("<div>").appendTo($section);
  setTitle(`Order #${orderId}`);
  focusHeading($view);

  async function load() {
    $status.html($("#tpl-loading").html());
    try {
      // The orders list is the one source of an order's JSON (and it is fast).
      const orders = await authRequest("order/", { signal });
      const order = orders.find((item) => String(item.id) === orderId);
      $status.empty();
      if (!order) {
        $status.append($("<p>").text("No such order among yours."));
        return;
      }
      const product = order.product || {};
      $title.text(`Order #${order.id}: ${product.title || product.description || "Photo"}`);
      $status.append(orderDetail(order));
    } catch (error) {
      if (error instanceof SessionExpiredError) {
        sessionExpired({ route: "orders" });
      } else if (error.name !== "AbortError") {
        const $alert = $("<div>", { class: "alert alert-danger", role: "alert" });
        $alert.text(`This order could not be loaded. ${error.message}`);
        $status.empty().append($alert);
      }
    }
  }
  load();
}
