// Forgot password: ask for a reset link by email (#/reset), then choose a new password with the
// link the mail carries (#/reset?uid=…&token=…).
import $ from "jquery/slim";

import { ApiError, apiRequest } from "./api.js";
import { queueFlash } from "./flash.js";
import { setBusy, setFieldError, setFormError } from "./forms.js";
import { focusHeading, navigate, setTitle } from "./router.js";

function linkParams() {
  const params = new URLSearchParams(window.location.hash.split("?")[1] || "");
  const uid = params.get("uid");
  const token = params.get("token");
  return uid && token ? { uid, token } : null;
}

/** A labelled input with its error line, as the other forms have them. */
function field({ id, name, type, label, autocomplete, help }) {
  const $group = $("<div>", { class: "mb-3" });
  $("<label>", { class: "form-label", for: id }).text(label).appendTo($group);
  const described = help ? `${id}-help ${id}-error` : `${id}-error`;
  $("<input>", { class: "form-control", id, name, type, autocomplete, required: true, "aria-describedby": described })
    .appendTo($group);
  if (help) {
    $("<div>", { class: "form-text", id: `${id}-help` }).text(help).appendTo($group);
  }
  $("<div>", { class: "invalid-feedback", id: `${id}-error` }).appendTo($group);
  return $group;
}

function submitButton(label) {
  return $("<button>", { type: "submit", class: "btn btn-primary" })
    .append($("<span>", { class: "spinner-border spinner-border-sm me-2", "aria-hidden": "true", hidden: true }))
    .append($("<span>", { class: "label" }).text(label));
}

function page($view, title) {
  const $section = $("<section>", { class: "narrow mx-auto", "aria-labelledby": "reset-title" }).appendTo($view);
  $("<h1>", { class: "h3 mb-3", id: "reset-title" }).text(title).appendTo($section);
  setTitle(title);
  return $section;
}

function newForm() {
  const $form = $("<form>", { class: "card card-body shadow-sm", novalidate: true });
  $("<div>", { class: "alert alert-danger form-error", role: "alert", hidden: true }).appendTo($form);
  return $form;
}

function renderRequest($view) {
  const $section = page($view, "Reset your password");
  $("<p>").text("Enter the email you signed up with: we'll mail you a link to choose a new password.").appendTo($section);
  const $form = newForm().appendTo($section);
  $form.append(field({ id: "reset-email", name: "email", type: "email", label: "Email", autocomplete: "email" }));
  $form.append(submitButton("Email me a link"));
  const $done = $("<div>", { class: "alert alert-success", role: "status", hidden: true }).appendTo($section);
  $("<p>", { class: "mt-3" }).append("Remembered it? ", $("<a>", { href: "#/login" }).text("Log in"), ".").appendTo($section);
  focusHeading($view);

  $form.on("submit", async (event) => {
    event.preventDefault();
    const $email = $form.find("[name=email]");
    setFormError($form, "");
    setFieldError($email, $email[0].checkValidity() ? "" : "Enter the email you signed up with.");
    if ($email.hasClass("is-invalid")) {
      $email.trigger("focus");
      return;
    }
    setBusy($form, true, "Sending…");
    try {
      await apiRequest("password-reset/", { method: "POST", body: { email: $email.val().trim() } });
      $form.prop("hidden", true);
      $done
        .text(`If ${$email.val().trim()} has an account, a link to reset its password is on its way. Check your mail.`)
        .prop("hidden", false);
    } catch (error) {
      setBusy($form, false);
      setFormError($form, error.message);
    }
  });
}

/** A link the API says is wrong, used or expired: say so now, with the way to a new one. */
function showLinkRefused($section, $form, message) {
  $form.remove();
  $("<div>", { class: "alert alert-danger", role: "alert" }).text(message).insertAfter($section.find("h1"));
}

function renderConfirm($view, link, { signal }) {
  const $section = page($view, "Choose a new password");
  const $form = newForm().prop("hidden", true).appendTo($section);
  const $checking = $($("#tpl-loading").html()).insertBefore($form);
  // Is the link still good? Asked as the page opens, not after the new password is typed twice.
  apiRequest("password-reset/check/", { method: "POST", body: link, signal }).then(
    () => {
      $checking.remove();
      $form.prop("hidden", false);
    },
    (error) => {
      if (error.name === "AbortError") {
        return;
      }
      $checking.remove();
      if (error instanceof ApiError && error.code === "password_reset_refused" && error.status === 400) {
        showLinkRefused($section, $form, error.message);
      } else {
        $form.prop("hidden", false); // not known: setting the password will tell
      }
    },
  );
  $form.append(
    field({
      id: "reset-password",
      name: "password",
      type: "password",
      label: "New password",
      autocomplete: "new-password",
      help: "At least 8 characters; not only digits, not a common password, and not like your name or email.",
    }),
    field({
      id: "reset-password2",
      name: "password2",
      type: "password",
      label: "Repeat the new password",
      autocomplete: "new-password",
    }),
    submitButton("Set the new password"),
  );
  $("<p>", { class: "mt-3" })
    .append("Link expired? ", $("<a>", { href: "#/reset" }).text("Ask for a new one"), ".")
    .appendTo($section);
  focusHeading($view);

  $form.on("submit", async (event) => {
    event.preventDefault();
    const $password = $form.find("[name=password]");
    const $password2 = $form.find("[name=password2]");
    setFormError($form, "");
    setFieldError($password, $password.val() ? "" : "Choose a new password.");
    setFieldError($password2, $password2.val() === $password.val() ? "" : "The two passwords are not the same.");
    const $invalid = $form.find(".is-invalid").first();
    if ($invalid.length) {
      $invalid.trigger("focus");
      return;
    }
    setBusy($form, true, "Saving…");
    try {
      await apiRequest("password-reset/confirm/", { method: "POST", body: { ...link, password: $password.val() } });
      queueFlash("Your password is changed. Log in with your new password.", "success");
      navigate("login");
    } catch (error) {
      setBusy($form, false);
      const passwordErrors = error.data && error.data.errors && error.data.errors.password;
      if (passwordErrors) {
        setFieldError($password, passwordErrors.join(" "));
        $password.trigger("focus");
      } else {
        setFormError($form, error.message);
      }
    }
  });
}

export function renderReset($view, context) {
  const link = linkParams();
  if (link) {
    renderConfirm($view, link, context);
  } else {
    renderRequest($view);
  }
}
