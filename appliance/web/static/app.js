// The box's web UI script, loaded after htmx.min.js on every page.
//
// Every htmx request carries the page's CSRF token (from <meta name="csrf-token">) in
// the X-CSRF-Token header: the server refuses a state-changing request without it.
(function () {
  "use strict";

  // Read at each request, not once: a page swapped in later may carry a fresh token.
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : null;
  }

  if (window.htmx) {
    // htmx 2 defaults to this already; said here because the token must never be sent to
    // another origin.
    window.htmx.config.selfRequestsOnly = true;
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRF-Token"] = token;
    }
  });
})();
