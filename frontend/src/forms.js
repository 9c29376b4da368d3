// Shared form behaviour: inline field errors and the form's error sentence.
import $ from "jquery/slim";

/** Mark a field invalid with `message`, or valid again when it is empty. */
export function setFieldError($input, message) {
  const $feedback = $input.siblings(".invalid-feedback");
  $feedback.text(message || "");
  $input.toggleClass("is-invalid", Boolean(message)).attr("aria-invalid", message ? "true" : null);
}

/** Show the form's error sentence (role=alert, read out at once), or hide it. */
export function setFormError($form, message) {
  $form.find(".form-error").text(message || "").prop("hidden", !message);
}

/** Disable the submit button and show its spinner while a request is in flight. */
export function setBusy($form, busy, busyLabel) {
  const $button = $form.find("[type=submit]");
  if (!$button.data("label")) {
    $button.data("label", $button.find(".label").text());
  }
  $button.prop("disabled", busy).attr("aria-busy", String(busy));
  $button.find(".spinner-border").prop("hidden", !busy);
  $button.find(".label").text(busy ? busyLabel : $button.data("label"));
}
