// Hash routing: #/catalog, #/orders, #/login, #/signup.
import $ from "jquery/slim";

import { flushFlash } from "./flash.js";

const routes = new Map();
const beforeEach = [];
let defaultRoute = "catalog";
let controller = null;
let rendered = 0;

export function addRoute(name, render) {
  routes.set(name, render);
}

/** Run `hook(name)` before each view; returning false cancels the render. */
export function beforeRoute(hook) {
  beforeEach.push(hook);
}

export function currentRoute() {
  const name = window.location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
  return routes.has(name) ? name : null;
}

function render() {
  let name = currentRoute();
  if (!name) {
    // Replace the address in place (no hashchange, no second render, no history entry).
    window.history.replaceState(window.history.state, "", `#/${defaultRoute}`);
    name = defaultRoute;
  }
  if (beforeEach.some((hook) => hook(name) === false)) {
    return;
  }
  // A view still loading data for the previous route stops here.
  if (controller) {
    controller.abort();
  }
  controller = new AbortController();
  $("[data-route]").each(function markCurrent() {
    const $link = $(this);
    if ($link.data("route") === name) {
      $link.attr("aria-current", "page");
    } else {
      $link.removeAttr("aria-current");
    }
  });
  const $view = $("#view").empty();
  flushFlash();
  rendered++;
  routes.get(name)($view, { signal: controller.signal });
}

/** Go to a view; re-renders it when it is already the current one. */
export function navigate(name) {
  if (window.location.hash === `#/${name}`) {
    render();
  } else {
    window.location.hash = `#/${name}`;
  }
}

export function startRouter(fallback) {
  defaultRoute = fallback;
  $(window).on("hashchange", render);
  render();
}

/** Move focus to the view's heading so screen readers announce the new view. */
export function focusHeading($view) {
  // Not on the first view of a visit: the browser starts at the top of the page anyway.
  if (rendered > 1) {
    $view.find("h1").first().attr("tabindex", "-1").trigger("focus");
  }
}
