/* edgedesk loader: the one script a host page includes.
 * It draws the launcher in its own shadow root and imports the wasm widget only when the customer shows
 * intent (pointer over or focus on the launcher, or a click), so the host page pays a few KB and nothing else.
 * Options come from data attributes: data-api (worker origin, default: where this file came from), data-locale. */
(function () {
  var script = document.currentScript;
  if (!script || window.edgedesk) return;
  var base = new URL("./", script.src);
  var data = script.dataset;
  var api = data.api || base.origin;
  var locale = data.locale || (navigator.language || "en").slice(0, 2).toLowerCase();

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

  function load() {
    if (!widget) {
      widget = import(new URL("widget/edgedesk_widget.js", base).href).then(function (module) {
        return module.default({ module_or_path: new URL("widget/edgedesk_widget_bg.wasm", base) }).then(function () {
          return module.mount(root.querySelector(".mount"), api, locale, function (open) {
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

  window.edgedesk = { version: 1, load: load };
  function attach() { document.body.appendChild(host); }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
