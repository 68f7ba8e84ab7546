/* edgedesk frame: the document behind data-mode="frame" (served by the worker at /frame, whose CSP says
 * which host pages may embed it). It runs the ordinary loader here, on the worker's origin, and relays
 * between it and the host page: commands in; open and close, events and the banner's height out. It
 * talks only to the window that embedded it, and only with the origin that page was opened for. */
(function () {
  var params = new URLSearchParams(location.search);
  var hostOrigin = params.get("origin") || "";
  var ancestors = location.ancestorOrigins;
  if (window.parent === window || !hostOrigin || (ancestors && ancestors.length && ancestors[0] !== hostOrigin)) return;

  function tell(message) {
    parent.postMessage(message, hostOrigin);
  }

  // The loader's queue, as a host page's snippet would have it: calls wait until embed.js has run and
  // replaced it with the real `edgedesk`, which every later call must reach.
  window.edgedesk = function () { (window.edgedesk.q = window.edgedesk.q || []).push(arguments); };
  function edgedesk() {
    window.edgedesk.apply(null, arguments);
  }
  edgedesk("on", "open", function () { tell({ open: true }); });
  edgedesk("on", "close", function () { tell({ open: false }); });
  ["search", "articleViewed", "ticketCreated", "bannerShown", "unread"].forEach(function (name) {
    edgedesk("on", name, function (detail) { tell({ event: name, detail: detail }); });
  });

  var script = document.createElement("script");
  script.src = "/embed.js";
  script.dataset.launcher = "off";
  var attributes = { locale: "locale", product: "product", path: "path", theme: "theme", color: "color",
    position: "position", load: "load", poll: "statusPoll", appVersion: "appVersion" };
  for (var name in attributes) if (params.get(name)) script.dataset[attributes[name]] = params.get(name);

  // The host page sizes the frame to the banner while the panel is closed.
  var banner = -1;
  function measure() {
    var host = document.querySelector("[data-edgedesk]");
    var stack = host && host.shadowRoot && host.shadowRoot.querySelector(".banner-stack");
    var height = stack ? stack.offsetHeight : 0;
    if (height !== banner) tell({ banner: (banner = height) });
  }
  script.onload = function () {
    var host = document.querySelector("[data-edgedesk]");
    if (host) new MutationObserver(measure).observe(host.shadowRoot, { subtree: true, childList: true, attributes: true, characterData: true });
    addEventListener("resize", measure);
    measure();
    tell({ ready: true });
  };
  document.head.appendChild(script);

  // Outside the panel is the host page, seen through this transparent frame: a click there closes the panel.
  document.addEventListener("click", function (event) {
    if (event.target === document.documentElement || event.target === document.body) edgedesk("close");
  });

  var commands = {
    toggle: function () { edgedesk("toggle"); },
    set_open: function (open) { edgedesk(open ? "open" : "close"); },
    search: function (query) { edgedesk("search", query); },
    open_article: function (slug) { edgedesk("openArticle", slug); },
    prefill: function (fields) { edgedesk("prefill", fields); },
    identify: function (signed) { edgedesk("identify", signed); },
    reset: function () { edgedesk("reset"); },
    set_locale: function (locale) { edgedesk("setLocale", locale); },
    set_product: function (product) { edgedesk("setProduct", product); },
    set_path: function (path) { edgedesk("setPath", path); },
    // The frame has just been given focus by the host page: into the panel with it.
    focus: function () {
      var host = document.querySelector("[data-edgedesk]");
      var panel = host && host.shadowRoot.querySelector(".panel");
      var target = panel && (panel.querySelector("#edgedesk-search") || panel.querySelector("input, textarea, button"));
      if (target) target.focus();
    }
  };
  addEventListener("message", function (event) {
    var message = event.data || {};
    if (event.source !== parent || event.origin !== hostOrigin || !commands.hasOwnProperty(message.edgedesk)) return;
    commands[message.edgedesk].apply(null, Array.isArray(message.args) ? message.args : []);
  });
})();
