// The header: links, the greeting from the token's first name, log out.
import $ from "jquery/slim";

import { currentUser, logout, onSessionChange } from "./auth.js";
import { queueFlash } from "./flash.js";
import { navigate } from "./router.js";

function update(user) {
  $("[data-auth=in]").prop("hidden", !user);
  $("[data-auth=out]").prop("hidden", Boolean(user));
  const name = user ? user.first_name || user.email || "" : "";
  $("#greeting").text(user ? `Hello, ${name}` : "");
}

export function initHeader() {
  update(currentUser());
  onSessionChange(update);
  $("#logout").on("click", () => {
    logout();
    queueFlash("You are logged out. See you soon!", "primary");
    navigate("catalog");
  });
  $(".skip-link").on("click", (event) => {
    event.preventDefault();
    $("#main").trigger("focus");
  });
}
