// Seedbed's small behaviours, loaded as a file so the CSP can forbid inline script.
"use strict";

// Ask before a destructive button submits its form: <button data-confirm="Really?">.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = button && button.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});

// Move focus to the first invalid field so keyboard and screen-reader users land on the error.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) {
    invalid.focus();
  }
});
