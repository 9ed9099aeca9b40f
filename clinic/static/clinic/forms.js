/*
 * A refused form: the focus goes to its message (the refusal, or which fields
 * to correct), so a screen reader reads why at once and a keyboard user starts
 * from there instead of the top of the page. Without this script the message
 * is still announced (role="alert") and shown above the form.
 */
(function () {
  "use strict";
  var message = document.querySelector("main .form-message");
  if (message) message.focus();
})();
