// Hash routing: #/catalog, #/orders, #/login, #/signup…; an unknown route shows the not-found view.
// Each view has its own page title; a new view opens at its top, and Back or Forward returns to
// where the shopper was in the view they left.
import $ from "jquery/slim";

import { flushFlash } from "./flash.js";

const SITE_NAME = "FrameSeller";
const routes = new Map();
const beforeEach = [];
let defaultRoute = "catalog";
let notFound = null;
let controller = null;
let rendered = 0;

// Scroll positions by history entry (a key kept in the entry's state), so that Back restores them.
const positions = new Map();
let entryKey = null;
// Where the view being shown goes back to once its content is drawn (restoreScroll()), or null.
let pendingScroll = null;

export function addRoute(name, render) {
  routes.set(name, render);
}

/** The view shown for an unknown route. */
export function setNotFound(render) {
  notFound = render;
}

/** Run `hook(name)` before each view; returning false cancels the render. */
export function beforeRoute(hook) {
  beforeEach.push(hook);
}

function routeName() {
  return window.location.hash.replace(/^#\/?/, "").split(/[/?]/)[0];
}

export function currentRoute() {
  const name = routeName();
  return routes.has(name) ? name : null;
}

/** The page's title: the view's own, then the shop's name. */
export function setTitle(title) {
  document.title = title ? `${title} · ${SITE_NAME}` : SITE_NAME;
}

/** The key of the current history entry, given one if it has none yet. */
function currentEntryKey() {
  const state = window.history.state && typeof window.history.state === "object" ? window.history.state : {};
  if (typeof state.key === "string") {
    return state.key;
  }
  const key = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  window.history.replaceState({ ...state, key }, "");
  return key;
}

/** Scroll at once (Bootstrap makes the page's own scrolling smooth: a view shown is not a journey). */
function scrollToY(top) {
  window.scrollTo({ top, left: 0, behavior: "instant" });
}

function recordScroll() {
  if (entryKey && pendingScroll === null) {
    positions.set(entryKey, window.scrollY);
  }
}

/**
 * Scroll the view to where the shopper was when they left it (Back, Forward), once its content is
 * there: views that load their content call this when it is drawn.
 */
export function restoreScroll() {
  if (pendingScroll === null) {
    return;
  }
  const target = pendingScroll;
  scrollToY(target);
  if (Math.abs(window.scrollY - target) <= 1 || !("ResizeObserver" in window)) {
    pendingScroll = null;
    return;
  }
  // The page is not tall enough yet (its images still taking their size): follow it as it grows,
  // for a moment, unless the shopper scrolls or moves on first (pendingScroll changes then).
  const observer = new ResizeObserver(() => {
    if (pendingScroll !== target) {
      observer.disconnect();
      return;
    }
    scrollToY(target);
    if (Math.abs(window.scrollY - target) <= 1) {
      pendingScroll = null;
      observer.disconnect();
    }
  });
  observer.observe(document.body);
  setTimeout(() => {
    observer.disconnect();
    if (pendingScroll === target) {
      pendingScroll = null;
    }
  }, 3000);
}

function render() {
  let name = routeName();
  if (!name) {
    // Replace the address in place (no hashchange, no second render, no history entry).
    window.history.replaceState(window.history.state, "", `#/${defaultRoute}`);
    name = defaultRoute;
  }
  const known = routes.has(name);
  if (known && beforeEach.some((hook) => hook(name) === false)) {
    return;
  }
  // A view still loading data for the previous route stops here.
  if (controller) {
    controller.abort();
  }
  controller = new AbortController();
  recordScroll();
  entryKey = currentEntryKey();
  const saved = positions.get(entryKey);
  pendingScroll = saved === undefined ? null : saved;
  $("[data-route]").each(function markCurrent() {
    const $link = $(this);
    if ($link.data("route") === name) {
      $link.attr("aria-current", "page");
    } else {
      $link.removeAttr("aria-current");
    }
  });
  setTitle("");
  const $view = $("#view").empty();
  flushFlash();
  rendered++;
  const view = known ? routes.get(name) : notFound;
  view($view, { signal: controller.signal });
  // A view shown anew opens at its top (the shopper followed a link, or was sent to log in);
  // one returned to goes where it was, as far as its content allows until restoreScroll().
  scrollToY(pendingScroll === null ? 0 : pendingScroll);
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
  if ("scrollRestoration" in window.history) {
    window.history.scrollRestoration = "manual";
  }
  let queued = false;
  window.addEventListener(
    "scroll",
    () => {
      if (!queued) {
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          recordScroll();
        });
      }
    },
    { passive: true },
  );
  // The shopper scrolls before the view returned to has drawn: theirs is the position that counts.
  for (const type of ["wheel", "touchstart", "keydown"]) {
    window.addEventListener(type, () => (pendingScroll = null), { passive: true });
  }
  $(window).on("hashchange", render);
  render();
}

/** Move focus to the view's heading so screen readers announce the new view. */
export function focusHeading($view) {
  // Not on the first view of a visit: the browser starts at the top of the page anyway.
  if (rendered > 1) {
    const heading = $view.find("h1").first().attr("tabindex", "-1")[0];
    if (heading) {
      heading.focus({ preventScroll: true });
    }
  }
}
