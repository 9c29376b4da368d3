// Log in with email and password.
import $ from "jquery/slim";

import { continueAfterLogin } from "./afterlogin.js";
import { currentUser, login } from "./auth.js";
import { setBusy, setFieldError, setFormError } from "./forms.js";
import { focusHeading, setTitle } from "./router.js";

function validate($form) {
  const $email = $form.find("[name=email]");
  const $password = $form.find("[name=password]");
  setFieldError($email, $email[0].checkValidity() ? "" : "Enter the email you signed up with.");
  setFieldError($password, $password.val() ? "" : "Enter your password.");
  return $form.find(".is-invalid").first();
}

export function renderLogin($view) {
  const $section = $($("#tpl-login").html()).appendTo($view);
  const $form = $section.find("form");
  setTitle("Log in");
  const user = currentUser();
  if (user) {
    $section.find(".already").prop("hidden", false).find(".email").text(user.email || "");
  }
  focusHeading($view);

  $form.on("input", "input", function onInput() {
    if ($(this).hasClass("is-invalid")) {
      validate($form);
    }
  });
  $form.on("submit", async (event) => {
    event.preventDefault();
    setFormError($form, "");
    const $invalid = validate($form);
    if ($invalid.length) {
      $invalid.trigger("focus");
      return;
    }
    setBusy($form, true, "Logging in…");
    try {
      await login($form.find("[name=email]").val().trim(), $form.find("[name=password]").val());
      continueAfterLogin();
    } catch (error) {
      setBusy($form, false);
      setFormError($form, error.message);
      $form.find("[name=password]").val("").trigger("focus");
    }
  });
}
