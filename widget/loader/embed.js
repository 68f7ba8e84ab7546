/* edgedesk loader: the one script a host page includes.
 * It draws the launcher in its own shadow root and imports the wasm widget only when the customer shows
 * intent (pointer over or focus on the launcher, or a click) or when a status banner must show, so the
 * host page pays a few KB and one small status request, and nothing else.
 * Data attributes: data-api (worker origin, default: where this file came from), data-locale,
 * data-product, data-app-version (the host app's version, sent with tickets), data-status-poll (seconds
 * between status checks, default 60).
 * window.edgedesk.identify({attributes, expires_at, signature}) tells the widget who the customer is, as
 * the product's backend signed it; null forgets it. It may be called before or after the widget loads. */
(function () {
  var script = document.currentScript;
  if (!script || window.edgedesk) return;
  var base = new URL("./", script.src);
  var data = script.dataset;
  var api = data.api || base.origin;
  var locale = data.locale || (navigator.language || "en").slice(0, 2).toLowerCase();
  var product = data.product || "";

  var host = document.createElement("div");
  host.setAttribute("data-edgedesk", "");
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>:host{all:initial}" +
    ".launcher{position:fixed;inset-block-end:20px;inset-inline-end:20px;z-index:2147483000;" +
    "inline-size:56px;block-size:56px;border-radius:50%;border:0;cursor:pointer;" +
    "background:var(--edgedesk-brand,#3b5bdb);color:#fff;font:600 26px/1 system-ui,sans-serif;" +
    "box-shadow:0 6px 20px rgb(15 23 42/.3)}" +
    ".launcher:focus-visible{outline:3px solid #f59f00;outline-offset:2px}</style>" +
    '<button class="launcher" type="button" aria-label="Help and support" aria-haspopup="dialog" aria-expanded="false">?</button>' +
    '<div class="mount"></div>';
  var launcher = root.querySelector(".launcher");
  var widget = null;
  var wasOpen = false;
  var status = null;
  var identity = null;

  function load() {
    if (!widget) {
      widget = import(new URL("widget/edgedesk_widget.js", base).href).then(function (module) {
        return module.default({ module_or_path: new URL("widget/edgedesk_widget_bg.wasm", base) }).then(function () {
          var options = {
            api: api, locale: locale, product: product, appVersion: data.appVersion || "",
            identity: identity, pollSeconds: Number(data.statusPoll) || 60, status: status
          };
          return module.mount(root.querySelector(".mount"), options, function (open) {
            launcher.setAttribute("aria-expanded", String(open));
            // Closing hands focus back to where the customer opened the panel from.
            if (wasOpen && !open) launcher.focus();
            wasOpen = open;
          });
        });
      });
      // A failed download leaves the launcher to try again on the next intent.
      widget.catch(function (error) {
        widget = null;
        console.warn("edgedesk: the widget could not load", error);
      });
    }
    return widget;
  }

  launcher.addEventListener("pointerenter", load);
  launcher.addEventListener("focus", load);
  launcher.addEventListener("click", function () {
    load().then(function (panel) { panel.toggle(); }, function () {});
  });

  // Notices the customer dismissed, as the widget records them: { id: revision }.
  function dismissed() {
    try { return JSON.parse(localStorage.getItem("edgedesk-dismissed")) || {}; } catch (e) { return {}; }
  }

  // One small request on page load: a banner that must show brings the widget in now. A slow or absent
  // worker changes nothing on the host page.
  function checkStatus() {
    var url = api + "/api/status" + (product ? "?product=" + encodeURIComponent(product) : "");
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && setTimeout(function () { controller.abort(); }, 5000);
    // no-cache: revalidate with the worker (a cheap 304), never trust a copy from before a change.
    var init = { cache: "no-cache" };
    if (controller) init.signal = controller.signal;
    fetch(url, init)
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) return;
        var seen = dismissed();
        var notices = JSON.parse(text).notices || [];
        status = text;
        if (notices.some(function (notice) { return seen[notice.id] !== notice.revision; })) load();
      })
      .catch(function () {})
      .then(function () { clearTimeout(timer); });
  }

  // Kept for a widget not loaded yet (it gets it in its options), passed on to one that is.
  function identify(signed) {
    identity = signed || null;
    if (widget) widget.then(function (panel) { panel.identify(identity); }, function () {});
  }

  window.edgedesk = { version: 1, load: load, identify: identify };
  function attach() {
    document.body.appendChild(host);
    checkStatus();
  }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
