// One message above the current view ("You are logged out.", "Your session has expired…").
import $ from "jquery/slim";

let queued = null;

function render(message, kind) {
  const $alert = $("<div>", { class: `alert alert-${kind} d-flex align-items-start gap-2`, role: "status" });
  $alert.append($("<div>", { class: "flex-grow-1" }).text(message));
  $("<button>", { type: "button", class: "btn-close", "aria-label": "Dismiss" })
    .on("click", () => $alert.remove())
    .appendTo($alert);
  $("#flash").empty().append($alert);
}

/** Show a message now, on the current view. */
export function showFlash(message, kind = "primary") {
  render(message, kind);
}

/** Show a message on the next view rendered. */
export function queueFlash(message, kind = "primary") {
  queued = { message, kind };
}

/** Called by the router before each view: show the queued message, if any. */
export function flushFlash() {
  $("#flash").empty();
  if (queued) {
    render(queued.message, queued.kind);
    queued = null;
  }
}
