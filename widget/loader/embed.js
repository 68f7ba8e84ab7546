/* edgedesk loader: the one script a host page includes.
 * It draws the launcher in its own shadow root. When the browser is idle after the page has loaded it
 * downloads the wasm widget into the cache; it starts it when the customer shows intent (pointer over or
 * focus on the launcher, or a click), or when a status banner must show; never on the page's critical
 * path. With Save-Data, or data-load="intent", nothing is downloaded before intent or a banner.
 * Data attributes: data-api (worker origin, default: where this file came from), data-locale,
 * data-product, data-app-version (sent with tickets), data-status-poll (seconds between status checks,
 * default 60), data-color (brand colour), data-position (right or left), data-launcher (off hides the
 * button; open the panel with the API), data-z-index, data-load (idle or intent), data-theme (auto,
 * light or dark), data-mode (frame: the widget runs in a document of its own, for host pages whose
 * Content-Security-Policy allows our origin only in script-src and frame-src).
 * The API is one global, edgedesk(command, ...args), also callable as edgedesk.command(...). Calls made
 * before this file ran are queued by the snippet in the README and run now:
 * open, close, toggle, search(q), openArticle(slug), identify(signed), prefill(fields), reset,
 * setLocale(locale), setProduct(product), setPath(path) (for routers that keep the page elsewhere than
 * location.pathname), on(event, handler), off(event, handler); events: open, close, search, articleViewed, ticketCreated,
 * bannerShown, unread ({count}: agent replies the customer has not read, asked without the widget). */
(function () {
  var script = document.currentScript;
  var queued = window.edgedesk;
  if (!script || (queued && queued.version)) return;
  var base = new URL("./", script.src);
  // WIDGET_PATH ("widget/<content hash>/") is written in by scripts/build.sh: the widget's files never change
  // under their URL, so browsers keep them; this file, always revalidated, says which ones are current.
  var data = script.dataset;
  var apiBase = data.api || base.origin;
  var locale = data.locale || (navigator.language || "en").slice(0, 2).toLowerCase();
  var product = data.product || "";
  // The app's page, for the articles suggested on it; followed through the history API (or setPath).
  var path = data.path || location.pathname;
  var saveData = navigator.connection && navigator.connection.saveData;
  // The launcher's name in the languages the widget speaks; the widget says everything else.
  var launcherNames = { en: "Help and support", ru: "Помощь и поддержка", uk: "Допомога і підтримка" };
  var unreadNames = { en: "new replies: ", ru: "новых ответов: ", uk: "нових відповідей: " };
  var unread = 0;
  function launcherName() {
    var language = locale.slice(0, 2);
    var name = launcherNames[language] || launcherNames.en;
    return unread ? name + " (" + (unreadNames[language] || unreadNames.en) + unread + ")" : name;
  }

  var host = document.createElement("div");
  host.setAttribute("data-edgedesk", "");
  if (data.position === "left") host.setAttribute("data-position", "left");
  if (data.color) host.style.setProperty("--edgedesk-brand", data.color);
  if (data.zIndex) host.style.setProperty("--edgedesk-z", data.zIndex);
  // auto (the default) follows the customer's system; light or dark is the host's choice.
  if (data.theme === "light" || data.theme === "dark") host.setAttribute("data-theme", data.theme);
  var root = host.attachShadow({ mode: "open" });
  var framed = data.mode === "frame";
  var apiOrigin = new URL(apiBase).origin;
  // Styles go in as stylesheets built through the CSSOM, which a strict style-src does not block (a <style>
  // element it would); browsers without constructed stylesheets get the element. The widget adds its own
  // styles through the same function.
  function adoptStyle(css) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      root.adoptedStyleSheets = root.adoptedStyleSheets.concat([sheet]);
    } catch (e) {
      var style = document.createElement("style");
      style.textContent = css;
      root.appendChild(style);
    }
  }
  var css =
    ":host{all:initial}" +
    ".launcher{position:fixed;inset-block-end:20px;inset-inline-end:20px;z-index:var(--edgedesk-z,2147483000);" +
    "inline-size:56px;block-size:56px;border-radius:50%;border:0;cursor:pointer;" +
    "background:var(--edgedesk-brand,#3b5bdb);color:#fff;font:600 26px/1 system-ui,sans-serif;" +
    "box-shadow:0 6px 20px rgb(15 23 42/.3)}" +
    ":host([data-position=left]) .launcher{inset-inline-end:auto;inset-inline-start:20px}" +
    ".launcher:focus-visible{outline:3px solid #f59f00;outline-offset:2px}" +
    ".badge{position:absolute;inset-block-start:-4px;inset-inline-end:-4px;min-inline-size:20px;padding:0 6px;" +
    "box-sizing:border-box;border-radius:10px;background:#c92a2a;color:#fff;font:700 12px/20px system-ui,sans-serif}" +
    ".frame{position:fixed;inset-block-start:0;inset-inline-start:0;inline-size:100%;block-size:0;border:0;" +
    "z-index:var(--edgedesk-z,2147483000);color-scheme:normal;background:transparent}";
  root.innerHTML =
    '<button class="launcher" type="button" aria-haspopup="dialog" aria-expanded="false">?' +
    '<span class="badge" aria-hidden="true" hidden></span></button>' +
    '<div class="mount"></div>';
  adoptStyle(css);
  var launcher = root.querySelector(".launcher");
  var badge = root.querySelector(".badge");
  function nameLauncher() {
    launcher.setAttribute("aria-label", launcherName());
  }
  nameLauncher();
  if (data.launcher === "off") launcher.hidden = true;
  var widget = null;
  var wasOpen = false;
  var status = null;
  var identity = null;
  var handlers = {};

  // A host page's handler that throws must not stop the others, nor the widget.
  function emit(name, detail) {
    // The widget says a conversation was read: the count is asked again.
    if (name === "ticketRead") return checkUnread();
    (handlers[name] || []).slice().forEach(function (handler) {
      try { handler(detail || {}); } catch (error) { console.error("edgedesk: an '" + name + "' handler failed", error); }
    });
  }

  // Shared by both modes: the launcher mirrors the panel, and the page hears open and close.
  function openChanged(open) {
    launcher.setAttribute("aria-expanded", String(open));
    // Closing hands focus back to where the customer opened the panel from.
    if (wasOpen && !open && !launcher.hidden) launcher.focus();
    if (wasOpen !== open) emit(open ? "open" : "close");
    wasOpen = open;
  }

  // Frame mode: the widget runs in /frame on our origin, which the page talks to with postMessage, and
  // only with that window and origin. The frame is a strip as tall as its banner while the panel is
  // closed (nothing when there is none), and the whole viewport while it is open, where a click
  // outside the panel closes it.
  function loadFrame() {
    return new Promise(function (resolve) {
      var frame = document.createElement("iframe");
      var banner = 0;
      var params = {
        origin: location.origin, locale: locale, product: product, path: path,
        theme: data.theme || "", color: data.color || "", position: data.position || "",
        load: saveData ? "intent" : data.load || "", poll: data.statusPoll || "", appVersion: data.appVersion || ""
      };
      frame.className = "frame";
      frame.title = launcherName();
      frame.src = apiBase + "/frame?" + new URLSearchParams(params);
      function layout() {
        frame.style.blockSize = wasOpen ? "100%" : banner + "px";
        document.documentElement.style.setProperty("--edgedesk-banner-height", banner + "px");
      }
      function send(name, args) {
        frame.contentWindow.postMessage({ edgedesk: name, args: args }, apiOrigin);
      }
      var panel = {};
      ["toggle", "set_open", "search", "open_article", "prefill", "identify", "reset", "set_locale", "set_product",
        "set_path", "focus"].forEach(function (name) {
        panel[name] = function () { send(name, [].slice.call(arguments)); };
      });
      addEventListener("message", function (event) {
        var message = event.data || {};
        if (event.source !== frame.contentWindow || event.origin !== apiOrigin) return;
        if (message.ready) {
          if (identity) panel.identify(identity);
          resolve(panel);
        }
        if (typeof message.banner === "number") banner = message.banner;
        if (typeof message.open === "boolean") {
          openChanged(message.open);
          if (message.open) {
            frame.focus();
            panel.focus();
          }
        }
        // The frame asks for unread replies itself (this page may not): its count is this launcher's badge.
        if (message.event == "unread") showUnread(message.detail.count);
        else if (message.event) emit(message.event, message.detail);
        layout();
      });
      root.appendChild(frame);
    });
  }

  function widgetFile(name) {
    return new URL(WIDGET_PATH + name, base).href;
  }

  function load() {
    if (!widget && framed) widget = loadFrame();
    if (!widget) {
      // The glue, the chunks' loader it imports and the wasm, all asked for at once: one round trip where
      // the glue, then its import, then the wasm it fetches took three (0.3 s on a phone, make first-answer).
      var wasm = fetch(widgetFile("edgedesk_widget_bg.wasm"));
      wasm.catch(function () {});
      import(widgetFile("__wasm_split.js")).catch(function () {});
      widget = import(widgetFile("edgedesk_widget.js")).then(function (module) {
        return module.default({ module_or_path: wasm }).then(function () {
          var options = {
            api: apiBase, locale: locale, product: product, path: path, appVersion: data.appVersion || "",
            pollSeconds: Number(data.statusPoll), status: status, identity: identity, emit: emit,
            adoptStyle: adoptStyle
          };
          return module.mount(root.querySelector(".mount"), options, openChanged);
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

  // Agent replies not read yet, for the tickets this browser filed (with their access codes) and a
  // signed-in customer's: asked on page load and then as often as status, without the widget; nothing is
  // asked for a customer who never filed one. The ETag makes an unchanged answer an empty 304.
  var unreadTag = "";
  function checkUnread() {
    var tickets = [];
    try {
      JSON.parse(localStorage.getItem("edgedesk-tickets")).forEach(function (ticket) {
        if (ticket.token && tickets.length < 20) tickets.push({ number: ticket.number, token: ticket.token });
      });
    } catch (e) {}
    if (!tickets.length && !identity) return;
    fetch(apiBase + "/api/tickets/unread", {
      method: "POST", headers: { "Content-Type": "application/json", "If-None-Match": unreadTag },
      body: JSON.stringify({ tickets: tickets, identity: identity })
    })
      .then(function (response) {
        if (response.status == 200) {
          unreadTag = response.headers.get("ETag") || "";
          return response.json();
        }
      })
      .then(function (answer) { if (answer) showUnread(answer.count); })
      .catch(function () {});
  }
  function showUnread(count) {
    if (count === unread) return;
    unread = count;
    badge.hidden = !count;
    badge.textContent = count > 99 ? "99+" : String(count);
    nameLauncher();
    emit("unread", { count: count });
  }

  // Kept for a widget not loaded yet (it gets it in its options), passed on to one that is.
  function identify(signed) {
    identity = signed || null;
    if (attached && !framed) checkUnread();
    if (widget) widget.then(function (panel) { panel.identify(identity); }, function () {});
  }

  // When the customer signs out: who they were, their drafts and the tickets this browser remembers.
  function reset() {
    identity = null;
    unreadTag = "";
    showUnread(0);
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
    setLocale: function (next) {
      if (!next) return;
      locale = String(next);
      nameLauncher();
      if (widget) withWidget(function (panel) { panel.set_locale(locale); });
    },
    setPath: setPath,
    setProduct: function (next) {
      product = next ? String(next) : "";
      if (widget) withWidget(function (panel) { panel.set_product(product); }); else if (!framed) checkStatus();
    },
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
  function warm() {
    if (widget) return;
    // The first chunk only: the screens' chunk (articles, the form, My tickets) waits for intent.
    ["edgedesk_widget.js", "__wasm_split.js", "edgedesk_widget_bg.wasm"].forEach(function (name) {
      fetch(widgetFile(name)).catch(function () {});
    });
  }
  function whenIdle() {
    (window.requestIdleCallback || function (run) { setTimeout(run, 1); })(warm, { timeout: 5000 });
  }
  if (data.load !== "intent" && !saveData && !framed) {
    if (document.readyState === "complete") whenIdle(); else addEventListener("load", whenIdle);
  }

  // Single-page apps change pages through the history API; the widget's suggestions follow the route.
  function setPath(next) {
    path = String(next || "/");
    if (widget) withWidget(function (panel) { panel.set_path(path); });
  }
  function routeChanged() {
    if (location.pathname !== path) setPath(location.pathname);
  }
  ["pushState", "replaceState"].forEach(function (method) {
    var original = history[method];
    history[method] = function () {
      var result = original.apply(this, arguments);
      routeChanged();
      return result;
    };
  });
  addEventListener("popstate", routeChanged);

  var attached = false;
  function attach() {
    attached = true;
    document.body.appendChild(host);
    // A framed page may not fetch from us: the frame checks the status itself, once the page has loaded.
    if (!framed) {
      checkStatus();
      checkUnread();
      setInterval(function () { if (!document.hidden) checkUnread(); }, (Number(data.statusPoll) || 60) * 1000);
    }
    else if (document.readyState === "complete") load();
    else addEventListener("load", load);
  }
  if (document.body) attach(); else document.addEventListener("DOMContentLoaded", attach);
})();
