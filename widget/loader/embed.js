/* edgedesk loader: the one script a host page includes.
 * It draws the launcher in its own shadow root. When the browser is idle after the page has loaded it
 * downloads the wasm widget into the cache; it starts it when the customer shows intent (pointer over or
 * focus on the launcher, or a click), or when a status banner must show; never on the page's critical
 * path. With Save-Data, or data-load="intent", nothing is downloaded before intent or a banner.
 * Data attributes: data-api (worker origin, default: where this file came from), data-locale,
 * data-product, data-app-version (sent with tickets), data-status-poll (seconds between status checks,
 * default 60), data-color (brand colour), data-position (right or left), data-launcher (off hides the
 * button; open the panel with the API), data-z-index, data-load (idle or intent), data-theme (auto,
 * light or dark).
 * The API is one global, edgedesk(command, ...args), also callable as edgedesk.command(...). Calls made
 * before this file ran are queued by the snippet in the README and run now:
 * open, close, toggle, search(q), openArticle(slug), identify(signed), prefill(fields), reset,
 * on(event, handler), off(event, handler); events: open, close, search, articleViewed, ticketCreated,
 * bannerShown. */
(function () {
  var script = document.currentScript;
  var queued = window.edgedesk;
  if (!script || (queued && queued.version)) return;
  var base = new URL("./", script.src);
  var data = script.dataset;
  var apiBase = data.api || base.origin;
  var locale = data.locale || (navigator.language || "en").slice(0, 2).toLowerCase();
  var product = data.product || "";

  var host = document.createElement("div");
  host.setAttribute("data-edgedesk", "");
  if (data.position === "left") host.setAttribute("data-position", "left");
  if (data.color) host.style.setProperty("--edgedesk-brand", data.color);
  if (data.zIndex) host.style.setProperty("--edgedesk-z", data.zIndex);
  // auto (the default) follows the customer's system; light or dark is the host's choice.
  if (data.theme === "light" || data.theme === "dark") host.setAttribute("data-theme", data.theme);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>:host{all:initial}" +
    ".launcher{position:fixed;inset-block-end:20px;inset-inline-end:20px;z-index:var(--edgedesk-z,2147483000);" +
    "inline-size:56px;block-size:56px;border-radius:50%;border:0;cursor:pointer;" +
    "background:var(--edgedesk-brand,#3b5bdb);color:#fff;font:600 26px/1 system-ui,sans-serif;" +
    "box-shadow:0 6px 20px rgb(15 23 42/.3)}" +
    ":host([data-position=left]) .launcher{inset-inline-end:auto;inset-inline-start:20px}" +
    ".launcher:focus-visible{outline:3px solid #f59f00;outline-offset:2px}</style>" +
    '<button class="launcher" type="button" aria-label="Help and support" aria-haspopup="dialog" aria-expanded="false">?</button>' +
    '<div class="mount"></div>';
  var launcher = root.querySelector(".launcher");
  if (data.launcher === "off") launcher.hidden = true;
  var widget = null;
  var wasOpen = false;
  var status = null;
  var identity = null;
  var handlers = {};

  // A host page's handler that throws must not stop the others, nor the widget.
  function emit(name, detail) {
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler(detail || {}); } catch (error) { console.error("edgedesk: an '" + name + "' handler failed", error); }
    });
  }

  function load() {
    if (!widget) {
      widget = import(new URL("widget/edgedesk_widget.js", base).href).then(function (module) {
        return module.default({ module_or_path: new URL("widget/edgedesk_widget_bg.wasm", base) }).then(function () {
          var options = {
            api: apiBase, locale: locale, product: product, appVersion: data.appVersion || "",
            pollSeconds: Number(data.statusPoll) || 60, status: status, identity: identity, emit: emit
          };
          return module.mount(root.querySelector(".mount"), options, function (open) {
            launcher.setAttribute("aria-expanded", String(open));
            // Closing hands focus back to where the customer opened the panel from.
            if (wasOpen && !open && !launcher.hidden) launcher.focus();
            if (wasOpen !== open) emit(open ? "open" : "close");
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

  // Runs `action` on the widget once it is there, loading it if needed.
  function withWidget(action) {
    load().then(action, function () {});
  }

  launcher.addEventListener("pointerenter", load);
  launcher.addEventListener("focus", load);
  launcher.addEventListener("click", function () {
    withWidget(function (panel) { panel.toggle(); });
  });

  // Notices the customer dismissed, as the widget records them: { id: revision }.
  function dismissed() {
    try { return JSON.parse(localStorage.getItem("edgedesk-dismissed")) || {}; } catch (e) { return {}; }
  }

  // One small request on page load: a banner that must show brings the widget in now. A slow or absent
  // worker changes nothing on the host page.
  function checkStatus() {
    var url = apiBase + "/api/status" + (product ? "?product=" + encodeURIComponent(product) : "");
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

  // When the customer signs out: who they were, their drafts and the tickets this browser remembers.
  function reset() {
    identity = null;
    [localStorage, sessionStorage].forEach(function (storage) {
      try {
        for (var i = storage.length - 1; i >= 0; i--) {
          var key = storage.key(i);
          if (key && key.indexOf("edgedesk-") === 0 && key !== "edgedesk-dismissed") storage.removeItem(key);
        }
      } catch (e) {}
    });
    if (widget) widget.then(function (panel) { panel.reset(); }, function () {});
  }

  var commands = {
    open: function () { withWidget(function (panel) { panel.set_open(true); }); },
    close: function () { if (widget) withWidget(function (panel) { panel.set_open(false); }); },
    toggle: function () { withWidget(function (panel) { panel.toggle(); }); },
    search: function (query) { withWidget(function (panel) { panel.search(String(query || "")); }); },
    openArticle: function (slug) { withWidget(function (panel) { panel.open_article(String(slug || "")); }); },
    prefill: function (fields) { withWidget(function (panel) { panel.prefill(fields || {}); }); },
    identify: identify,
    reset: reset,
    load: load,
    on: function (name, handler) {
      if (typeof handler === "function") (handlers[name] = handlers[name] || []).push(handler);
    },
    off: function (name, handler) {
      handlers[name] = (handlers[name] || []).filter(function (known) { return known !== handler; });
    }
  };

  function edgedesk(command) {
    var run = commands[command];
    if (!run) return console.warn("edgedesk: there is no command '" + command + "'");
    return run.apply(null, [].slice.call(arguments, 1));
  }
  for (var name in commands) edgedesk[name] = commands[name];
  edgedesk.version = 1;
  window.edgedesk = edgedesk;
  // Calls the page made before this file arrived, in order.
  ((queued && queued.q) || []).forEach(function (call) { edgedesk.apply(null, call); });

  // Once the page is done and the browser is idle, download the widget into the HTTP cache so that the
  // first open is instant, but compile and start it only on intent (or for a banner): downloading runs off
  // the page's main thread, starting it would not. A customer saving data, or a page that asks, waits for
  // intent.
  var saveData = navigator.connection && navigator.connection.saveData;
  function warm() {
    if (widget) return;
    ["widget/edgedesk_widget.js", "widget/edgedesk_widget_bg.wasm"].forEach(function (file) {
      fetch(new URL(file, base).href).catch(function () {});
    });
  }
  function whenIdle() {
    (window.requestIdleCallback || function (run) { setTimeout(run, 1); })(warm, { timeout: 5000 });
  }
  if (data.load !== "intent" && !saveData) {
    if (document.readyState === "complete") whenIdle(); else addEventListener("load", whenIdle);
  }

  function attach() {
    document.body.appendChild(host);
    checkStatus();
  }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
