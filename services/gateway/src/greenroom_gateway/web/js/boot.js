// @ts-check
// Runs before the first paint (a classic script in <head>; no inline script, so a strict
// Content-Security-Policy needs no exception). A link straight to a session report
// (#session/<id>) would otherwise paint the start page, then replace it: the page would jump.
// Instead nothing below the top bar shows until app.js has drawn the report and removes the
// mark; should app.js never run, the page shows itself after a few seconds all the same.
if (/^#session\/[\w-]+$/.test(window.location.hash)) {
  document.documentElement.dataset.boot = "report";
  window.setTimeout(() => { delete document.documentElement.dataset.boot; }, 8000);
}
