/* Baton loader: draws the launcher, loads the app on demand; only window.Baton; never throws. */
(function () {
  "use strict";
  var APP_JS = "__BATON_APP_JS__";
  var APP_WASM = "__BATON_APP_WASM__";
  var CSS =
    ":host{all:initial!important;display:block!important}" +
    ".root{font:14px/1.5 system-ui,sans-serif;color:#16181d}" +
    ".l{all:initial;box-sizing:border-box;position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;" +
    "border-radius:50%;display:grid;place-items:center;cursor:pointer;color:#fff;background:var(--baton-brand,#2557d6);" +
    "box-shadow:0 8px 24px rgba(16,24,40,.24)}" +
    ".l:hover{filter:brightness(1.1)}.l:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px var(--baton-brand,#2557d6)}" +
    ".l svg{width:26px;height:26px}.l .x,[aria-expanded=true] .c{display:none}[aria-expanded=true] .x{display:block}" +
    "[aria-busy=true]{cursor:progress}@media (max-width:480px){.l[aria-expanded=true]{display:none}}";
  var ICONS =
    '<svg class="c" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 3C6.5 3 2 6.9 2 11.6c0 2.4 1.2 4.6 3.1 6.1L4.4 21l3.9-1.9c1.1.4 2.4.6 3.7.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z"/></svg>' +
    '<svg class="x" viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18" stroke="currentColor" stroke-width="2.4" stroke-linecap="round"/></svg>';
  var warn = function (e) {
    try { console.warn("[Baton]", e); } catch (_) { /* nothing left to do */ }
  };

  try {
    var script = document.currentScript;
    if (window.Baton || !script) return; // embedded twice, or not as a <script src>
    var site = script.getAttribute("data-site") || "";
    var base = new URL(script.src, location.href).origin;
    var queue = [];
    var app, loading, launcher, container;

    var call = function (method) {
      try {
        if (app) app[method]();
        else { queue.push(method); load(); }
      } catch (e) { warn(e); }
    };
    var load = function () {
      if (loading || !container) return;
      launcher.setAttribute("aria-busy", "true");
      loading = import(base + "/widget/" + APP_JS)
        .then(function (mod) {
          return mod.default({ module_or_path: base + "/widget/" + APP_WASM }).then(function () {
            app = mod.mount(container, {
              site: site,
              apiBase: base,
              locale: script.getAttribute("data-locale") || "",
              pageUrl: location.pathname + location.search
            });
            queue.splice(0).forEach(function (m) { app[m](); });
          });
        })
        .catch(function (e) { loading = null; warn(e); }) // the next click tries again
        .then(function () { launcher.removeAttribute("aria-busy"); });
    };

    var draw = function () {
      var host = document.createElement("baton-widget");
      host.setAttribute("style", "all:initial;display:block");
      var root = host.attachShadow({ mode: "open" });
      var style = document.createElement("style");
      style.textContent = CSS;
      container = document.createElement("div");
      container.className = "root";
      try {
        var brand = sessionStorage.getItem("baton:" + site + ":brand");
        if (brand) container.setAttribute("style", "--baton-brand:" + brand.replace(/[^#\w(),.% ]/g, ""));
      } catch (_) { /* storage may be blocked */ }
      launcher = document.createElement("button");
      launcher.type = "button";
      launcher.className = "l";
      launcher.setAttribute("aria-label", "Open support");
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-controls", "baton-panel");
      launcher.innerHTML = ICONS;
      // Until the app is there the panel is closed, whatever a restored session says.
      launcher.addEventListener("click", function () { call(app ? "toggle" : "open"); });
      container.addEventListener("baton:openchange", function (ev) {
        launcher.setAttribute("aria-expanded", String(!!ev.detail));
        // Closed from inside the panel: focus goes back to the launcher.
        if (!ev.detail && root.activeElement && root.activeElement !== launcher) launcher.focus();
      });
      container.appendChild(launcher);
      root.appendChild(style);
      root.appendChild(container);
      document.body.appendChild(host);
      (window.requestIdleCallback || function (cb) { setTimeout(cb, 1500); })(function () { load(); }, { timeout: 4000 });
      if (queue.length) load();
    };

    window.Baton = {
      open: function () { call("open"); },
      close: function () { call("close"); },
      toggle: function () { call("toggle"); }
    };
    if (document.body) draw();
    else document.addEventListener("DOMContentLoaded", function () {
      try { draw(); } catch (e) { warn(e); }
    });
  } catch (e) { warn(e); }
})();
