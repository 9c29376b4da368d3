// The header: links, the greeting from the token actually held, log out.
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
  // Whatever changed the token (this tab, another one, its expiry), the header follows it.
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
