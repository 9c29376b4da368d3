// Sign up: first name, last name, email, password twice, checked as you go.
import $ from "jquery/slim";

import { continueAfterLogin } from "./afterlogin.js";
import { ApiError } from "./api.js";
import { currentUser, login, logout, signup } from "./auth.js";
import { queueFlash } from "./flash.js";
import { setBusy, setFieldError, setFormError } from "./forms.js";
import { focusHeading, setTitle } from "./router.js";

const MIN_PASSWORD_LENGTH = 8;

const checks = {
  first_name: (value) => (value.trim() ? "" : "Enter your first name."),
  last_name: (value) => (value.trim() ? "" : "Enter your last name."),
  email: (value, input) => (value.trim() && input.checkValidity() ? "" : "Enter a valid email address."),
  password: (value) =>
    value.length >= MIN_PASSWORD_LENGTH ? "" : `Use at least ${MIN_PASSWORD_LENGTH} characters for your password.`,
  password2: (value, input, $form) => {
    if (!value) {
      return "Repeat password is required: type your password again.";
    }
    return value === $form.find("[name=password]").val() ? "" : "The two passwords are not the same.";
  },
};

function checkField($form, input) {
  const check = checks[input.name];
  const message = check ? check(input.value, input, $form) : "";
  setFieldError($(input), message);
  return !message;
}

function checkAll($form) {
  $form.find("input").each(function check() {
    checkField($form, this);
  });
  return $form.find(".is-invalid").first();
}

export function renderSignup($view) {
  const $section = $($("#tpl-signup").html()).appendTo($view);
  const $form = $section.find("form");
  setTitle("Create your account");
  focusHeading($view);

  // Check a field once the shopper leaves it, then as they correct it.
  $form.on("blur", "input", function onBlur() {
    if (this.value) {
      checkField($form, this);
    }
  });
  $form.on("input", "input", function onInput() {
    if ($(this).hasClass("is-invalid")) {
      checkField($form, this);
    }
    if (this.name === "password") {
      const repeat = $form.find("[name=password2]")[0];
      if ($(repeat).hasClass("is-invalid")) {
        checkField($form, repeat);
      }
    }
  });

  const $switch = $form.find(".switch-account");
  const user = currentUser();
  if (user) {
    $section.find(".already").prop("hidden", false);
    $section.find(".email").text(user.email || "");
  }

  $form.on("submit", (event) => {
    event.preventDefault();
    setFormError($form, "");
    const $invalid = checkAll($form);
    if ($invalid.length) {
      $invalid.trigger("focus");
      return;
    }
    // Logged in already: ask before leaving that account for the new one.
    const loggedIn = currentUser();
    if (loggedIn) {
      $switch.find(".email").text(loggedIn.email || "");
      $switch.prop("hidden", false).find("[data-switch=no]").trigger("focus");
      return;
    }
    createAccount($form);
  });
  $switch.on("click", "[data-switch]", function onSwitch() {
    $switch.prop("hidden", true);
    if ($(this).data("switch") === "yes") {
      logout();
      $section.find(".already").prop("hidden", true);
      createAccount($form);
    } else {
      $form.find("[type=submit]").trigger("focus");
    }
  });
}

/** Show the API's field errors on their fields only (once), focus the first; else the form's sentence. */
function showSignupError($form, error) {
  const fieldErrors = error instanceof ApiError && error.data && error.data.errors ? error.data.errors : {};
  const fields = [];
  Object.entries(fieldErrors).forEach(([name, messages]) => {
    const $input = $form.find("input").filter((index, input) => input.name === name);
    if ($input.length && Array.isArray(messages)) {
      setFieldError($input, messages.join(" "));
      fields.push($input[0]);
    }
  });
  if (fields.length) {
    // The first field at fault in the form's order.
    $form.find("input").filter((index, input) => fields.includes(input)).first().trigger("focus");
  } else {
    setFormError($form, error.message);
  }
}

async function createAccount($form) {
  const values = {
    firstName: $form.find("[name=first_name]").val().trim(),
    lastName: $form.find("[name=last_name]").val().trim(),
    email: $form.find("[name=email]").val().trim(),
    password: $form.find("[name=password]").val(),
  };
  setBusy($form, true, "Creating your account…");
  try {
    await signup(values);
  } catch (error) {
    setBusy($form, false);
    showSignupError($form, error);
    return;
  }
  try {
    const user = await login(values.email, values.password);
    queueFlash(`Welcome to FrameSeller, ${user.first_name || values.firstName}! Your account is ready.`, "success");
    continueAfterLogin();
  } catch (error) {
    setBusy($form, false);
    queueFlash("Your account is ready. Please log in.", "success");
    window.location.hash = "#/login";
  }
}
