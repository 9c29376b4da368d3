// A zoomable photo (the preview on a photo's page): + and − buttons, the keyboard (+, −, 0, arrows,
// Escape), double-click or double-tap, and a pinch with two fingers. The photo is scaled inside its
// frame (a CSS transform), never past the frame's edges; the zoom level is announced.
import $ from "jquery/slim";

const MIN = 1;
const MAX = 4;
const STEP = 1.5;
const PAN_STEP = 40; // px, with an arrow key
const DOUBLE_TAP_MS = 300;

function clamp(value, low, high) {
  return Math.min(high, Math.max(low, value));
}

/** Make the photo in `$frame` zoomable; `title` names it for assistive technology. Returns the controls. */
export function zoomable($frame, title) {
  const frame = $frame[0];
  const $img = $frame.find("img");
  const img = $img[0];
  const state = { scale: 1, x: 0, y: 0 };
  const pointers = new Map();
  let pinch = null;
  let drag = null;
  let lastTap = 0;
  let lastTouch = -Infinity;

  $frame.addClass("zoomable").attr({
    tabindex: "0",
    role: "group",
    "aria-roledescription": "zoomable photo",
    "aria-label": `${title}: press + or − to zoom, the arrow keys to move, Escape to see it whole`,
  });
  const $controls = $("<div>", { class: "zoom-controls btn-group btn-group-sm", role: "group" }).attr(
    "aria-label",
    "Zoom",
  );
  const $out = $("<button>", { type: "button", class: "btn btn-outline-secondary zoom-out" })
    .attr("aria-label", "Zoom out")
    .text("−");
  const $level = $("<span>", { class: "btn btn-outline-secondary disabled zoom-level", role: "status" }).text("100%");
  const $in = $("<button>", { type: "button", class: "btn btn-outline-secondary zoom-in" })
    .attr("aria-label", "Zoom in")
    .text("+");
  const $reset = $("<button>", { type: "button", class: "btn btn-outline-secondary zoom-reset" })
    .attr("aria-label", "Show the whole photo")
    .text("Fit");
  $controls.append($out, $level, $in, $reset);

  function apply() {
    // Keep the photo over the frame: no empty band beside a zoomed photo.
    const width = img.clientWidth;
    const height = img.clientHeight;
    state.x = clamp(state.x, width * (1 - state.scale), 0);
    state.y = clamp(state.y, height * (1 - state.scale), 0);
    if (state.scale === 1) {
      state.x = 0;
      state.y = 0;
    }
    $img.css("transform", `translate(${state.x}px, ${state.y}px) scale(${state.scale})`);
    $frame.toggleClass("zoomed", state.scale > 1);
    $level.text(`${Math.round(state.scale * 100)}%`);
    $out.prop("disabled", state.scale <= MIN);
    $in.prop("disabled", state.scale >= MAX);
    $reset.prop("disabled", state.scale === 1);
    frame.dataset.zoom = String(state.scale);
  }

  /** Zoom to `scale`, keeping the point (x, y) of the frame where it is (the centre by default). */
  function zoomTo(scale, x = img.clientWidth / 2, y = img.clientHeight / 2) {
    const next = clamp(scale, MIN, MAX);
    const ratio = next / state.scale;
    state.x = x - (x - state.x) * ratio;
    state.y = y - (y - state.y) * ratio;
    state.scale = next;
    apply();
  }

  // A point of the photo as laid out (before the zoom's transform), from an event's.
  function point(event) {
    const box = frame.getBoundingClientRect();
    return { x: event.clientX - box.left - img.offsetLeft, y: event.clientY - box.top - img.offsetTop };
  }

  $in.on("click", () => zoomTo(state.scale * STEP));
  $out.on("click", () => zoomTo(state.scale / STEP));
  $reset.on("click", () => zoomTo(1));

  $frame.on("keydown", (event) => {
    const key = event.key;
    if (key === "+" || key === "=") {
      zoomTo(state.scale * STEP);
    } else if (key === "-" || key === "_") {
      zoomTo(state.scale / STEP);
    } else if (key === "0" || (key === "Escape" && state.scale > 1)) {
      zoomTo(1);
    } else if (state.scale > 1 && key.startsWith("Arrow")) {
      state.x += { ArrowLeft: PAN_STEP, ArrowRight: -PAN_STEP }[key] || 0;
      state.y += { ArrowUp: PAN_STEP, ArrowDown: -PAN_STEP }[key] || 0;
      apply();
    } else {
      return;
    }
    event.preventDefault();
  });

  $frame.on("dblclick", (event) => {
    // A double tap was handled as it came (pointerdown); the browser may add its own dblclick.
    if (event.timeStamp - lastTouch < 1000) {
      return;
    }
    const at = point(event);
    zoomTo(state.scale > 1 ? 1 : 2, at.x, at.y);
  });

  frame.addEventListener("pointerdown", (event) => {
    pointers.set(event.pointerId, point(event));
    if (event.pointerType === "touch") {
      lastTouch = event.timeStamp;
    }
    if (event.pointerType === "touch" && pointers.size === 1) {
      const now = event.timeStamp;
      if (now - lastTap < DOUBLE_TAP_MS) {
        const at = point(event);
        zoomTo(state.scale > 1 ? 1 : 2, at.x, at.y);
        lastTap = 0;
        return;
      }
      lastTap = now;
    }
    if (pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      pinch = { distance: Math.hypot(a.x - b.x, a.y - b.y) || 1, scale: state.scale };
      drag = null;
    } else if (state.scale > 1) {
      drag = { ...point(event), x0: state.x, y0: state.y };
      frame.setPointerCapture?.(event.pointerId);
    }
  });
  frame.addEventListener("pointermove", (event) => {
    if (!pointers.has(event.pointerId)) {
      return;
    }
    pointers.set(event.pointerId, point(event));
    if (pinch && pointers.size === 2) {
      const [a, b] = [...pointers.values()];
      const distance = Math.hypot(a.x - b.x, a.y - b.y);
      zoomTo(pinch.scale * (distance / pinch.distance), (a.x + b.x) / 2, (a.y + b.y) / 2);
    } else if (drag) {
      const at = point(event);
      state.x = drag.x0 + at.x - drag.x;
      state.y = drag.y0 + at.y - drag.y;
      apply();
    }
  });
  const release = (event) => {
    pointers.delete(event.pointerId);
    if (pointers.size < 2) {
      pinch = null;
    }
    if (!pointers.size) {
      drag = null;
    }
  };
  frame.addEventListener("pointerup", release);
  frame.addEventListener("pointercancel", release);

  apply();
  return $controls;
}
