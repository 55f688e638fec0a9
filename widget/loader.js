/* Baton loader: draws the launcher, loads the app on demand (wasm in a shadow root, or an iframe
   from the Baton origin when the page's CSP forbids WebAssembly); only window.Baton; never throws. */
(function () {
  "use strict";
  var APP_JS = "__BATON_APP_JS__";
  var APP_WASM = "__BATON_APP_WASM__";
  var APP_CSS = "__BATON_APP_CSS__";
  var CSS =
    ":host{all:initial!important;display:block!important}" +
    ".root{font:14px/1.5 system-ui,sans-serif;color:#16181d;--b:var(--baton-brand,var(--baton-site-brand,#2557d6))}" +
    ".l{all:initial}.l,.f{position:fixed;right:20px;z-index:2147483000;border:0}.left :is(.l,.f){right:auto;left:20px}" +
    ".l{box-sizing:border-box;bottom:max(20px,env(safe-area-inset-bottom));width:56px;height:56px;" +
    "border-radius:50%;display:grid;place-items:center;cursor:pointer;background:var(--b);color:#fff;" +
    "color:lch(from var(--b) calc((49.5 - l)*infinity) 0 0);box-shadow:0 8px 24px rgba(16,24,40,.24)}" +
    ".l:focus-visible{outline:3px solid #fff;box-shadow:0 0 0 6px #16181d}" +
    ".l svg{width:26px;height:26px}.l .x,[aria-expanded=true] .c{display:none}[aria-expanded=true] .x{display:block}" +
    "[aria-busy=true]{cursor:progress}.f{bottom:92px;width:392px;max-width:calc(100vw - 40px);height:min(640px,calc(100vh - 120px));" +
    "border-radius:16px;box-shadow:0 24px 64px -12px rgba(16,24,40,.28);background:#fff}.f[hidden]{display:none}" +
    ".framed .panel{inset:0;width:100%;max-width:none;height:100%;border-radius:0;box-shadow:none}" +
    "@media (max-width:480px){.l[aria-expanded=true]{display:none}.f{inset:0!important;width:100%;max-width:none;height:100%;border-radius:0}}";
  var LABELS = { en: "Open support", de: "Hilfe öffnen", ar: "فتح الدعم" };
  var warn = function (e) {
    try { console.warn("[Baton]", e); } catch (_) { /* nothing left to do */ }
  };

  try {
    var script = document.currentScript;
    if (window.Baton || !script) return; // embedded twice, or not as a <script src>
    var attr = function (n) { return script.getAttribute("data-" + n) || ""; };
    var framed = script.hasAttribute("data-frame");
    var params = new URLSearchParams(location.search);
    var opt = function (n) { return (framed ? params.get(n) : attr(n)) || ""; };
    var site = opt("site");
    var locale = opt("locale") || document.documentElement.lang || navigator.language || "en";
    var pageUrl = framed ? params.get("page") || "/" : location.pathname + location.search;
    var base = new URL(script.src, location.href).origin;
    var nonce = script.nonce || attr("nonce");
    var small = window.matchMedia && matchMedia("(max-width:480px)");
    var queue = [], listeners = {};
    var app, loading, launcher, container, root, frame, useFrame, pushed, isOpen = false;
    var store = function (k) {
      try { return sessionStorage.getItem("baton:" + site + ":" + k); } catch (_) { return null; }
    };

    var emit = function (type, detail) {
      (listeners[type] || []).forEach(function (fn) {
        try { fn(detail); } catch (e) { warn(e); }
      });
      if (framed && parent !== window) parent.postMessage({ baton: 1, type: type, detail: detail }, params.get("o") || "*");
    };
    var call = function (method, arg) {
      try {
        if (app) app[method](arg);
        else if (frame && frame.ready) frame.contentWindow.postMessage({ baton: 1, call: method, arg: arg }, base);
        else { queue.push([method, arg]); load(); }
      } catch (e) { warn(e); }
    };
    var flush = function () { queue.splice(0).forEach(function (c) { call(c[0], c[1]); }); };

    var sheet = function (text) {
      if (root.adoptedStyleSheets && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
        var s = new CSSStyleSheet();
        s.replaceSync(text);
        root.adoptedStyleSheets = root.adoptedStyleSheets.concat(s);
      } else {
        var el = document.createElement("style");
        if (nonce) el.nonce = nonce;
        el.textContent = text;
        root.appendChild(el);
      }
    };
    var wasmAllowed = function () {
      try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); return true; } catch (_) { return false; }
    };

    var openFrame = function () {
      if (frame) return;
      frame = document.createElement("iframe");
      frame.className = "f";
      frame.hidden = true;
      frame.title = LABELS[locale.slice(0, 2)] || LABELS.en;
      frame.src = base + "/widget/frame.html?" + new URLSearchParams({ site: site, locale: locale, page: pageUrl, o: location.origin });
      container.appendChild(frame);
      addEventListener("message", function (ev) {
        var d = ev.data;
        if (ev.origin !== base || ev.source !== frame.contentWindow || !d || !d.baton) return;
        if (d.type === "ready") { frame.ready = 1; launcher.removeAttribute("aria-busy"); flush(); }
        else if (d.type === "openchange") openChanged(d.detail);
        else emit(d.type, d.detail);
      });
    };

    var load = function () {
      if (loading || !container) return;
      if (useFrame || (!framed && !wasmAllowed())) { useFrame = 1; openFrame(); return; }
      launcher && launcher.setAttribute("aria-busy", "true");
      var url = base + "/widget/";
      loading = Promise.all([
        import(url + APP_JS),
        fetch(url + APP_CSS).then(function (r) { if (!r.ok) throw r.status; return r.text(); })
      ])
        .then(function (r) {
          return r[0].default({ module_or_path: url + APP_WASM }).then(function () {
            sheet(r[1]);
            app = r[0].mount(container, { site: site, apiBase: base, locale: locale, pageUrl: pageUrl });
            if (framed) emit("ready");
            flush();
          });
        })
        .catch(function (e) {
          loading = null;
          warn(e);
          // The wasm path failed (a CSP without 'wasm-unsafe-eval', a blocked import): the iframe
          // app does not need either, so the next attempt uses it.
          if (!framed && !app) { useFrame = 1; if (queue.length) load(); }
        })
        .then(function () { launcher && launcher.removeAttribute("aria-busy"); });
    };

    // The panel opened or closed (from the app, in the page or in the frame).
    var openChanged = function (open) {
      open = !!open;
      if (open === isOpen) return;
      isOpen = open;
      if (framed) return emit("openchange", open);
      launcher.setAttribute("aria-expanded", String(open));
      if (frame) {
        frame.hidden = !open;
        if (open) frame.focus();
      }
      emit(open ? "open" : "close");
      // On phones the panel is full screen: the back gesture closes it.
      if (open && small && small.matches && !pushed) { pushed = 1; history.pushState({ baton: 1 }, ""); }
      if (!open) {
        if (pushed && history.state && history.state.baton) history.back();
        pushed = 0;
        var active = root.activeElement;
        if (frame || (active && active !== launcher)) launcher.focus();
      }
    };

    var draw = function () {
      var host = document.createElement("baton-widget");
      host.style.cssText = "all:initial;display:block";
      root = host.attachShadow({ mode: "open" });
      sheet(CSS);
      container = document.createElement("div");
      container.className = "root" + (framed ? " framed" : "") + (opt("position") === "left" ? " left" : "");
      var color = (attr("color") || "").replace(/[^#\w(),.% ]/g, "");
      var brand = store("brand");
      if (color) container.style.setProperty("--baton-brand", color);
      if (brand) container.style.setProperty("--baton-site-brand", brand.replace(/[^#\w(),.% ]/g, ""));
      container.addEventListener("baton:openchange", function (ev) { openChanged(ev.detail); });
      container.addEventListener("baton:event", function (ev) { emit(ev.detail.type, ev.detail); });
      if (!framed) {
        launcher = document.createElement("button");
        launcher.type = "button";
        launcher.className = "l";
        launcher.setAttribute("aria-label", LABELS[locale.slice(0, 2)] || LABELS.en);
        launcher.setAttribute("aria-expanded", "false");
        launcher.setAttribute("aria-controls", "baton-panel");
        // Built node by node: no innerHTML, so a Trusted Types policy has nothing to refuse.
        [["c", "M12 3C6.5 3 2 6.9 2 11.6c0 2.4 1.2 4.6 3.1 6.1L4.4 21l3.9-1.9c1.1.4 2.4.6 3.7.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z", "fill", "currentColor"],
         ["x", "M6 6l12 12M18 6L6 18", "stroke", "currentColor"]].forEach(function (i) {
          var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg"), path = document.createElementNS(ns, "path");
          svg.setAttribute("class", i[0]);
          svg.setAttribute("viewBox", "0 0 24 24");
          svg.setAttribute("aria-hidden", "true");
          path.setAttribute("d", i[1]);
          path.setAttribute(i[2], i[3]);
          path.setAttribute("stroke-width", "2.4");
          path.setAttribute("stroke-linecap", "round");
          svg.appendChild(path);
          launcher.appendChild(svg);
        });
        launcher.addEventListener("click", function () { call(app || (frame && frame.ready) ? "toggle" : "open"); });
        container.appendChild(launcher);
        addEventListener("popstate", function () { if (pushed && isOpen) { pushed = 0; call("close"); } });
      }
      root.appendChild(container);
      document.body.appendChild(host);
      if (framed || queue.length || store("open") === "1" || /^(true|1|yes)$/.test(attr("open"))) {
        if (!framed && /^(true|1|yes)$/.test(attr("open"))) queue.push(["open"]);
        load();
      } else {
        (window.requestIdleCallback || function (cb) { setTimeout(cb, 1500); })(function () { load(); }, { timeout: 4000 });
      }
    };

    var api = { on: function (type, fn) { if (typeof fn == "function") (listeners[type] = listeners[type] || []).push(fn); } };
    "open close toggle search openArticle startFlow identify setContext".split(" ").forEach(function (m) {
      var target = { openArticle: "open_article", startFlow: "start_flow", setContext: "set_context" }[m] || m;
      api[m] = function (arg) { call(target, arg); };
    });
    api.preview = function (slug, token) { call("preview", { slug: String(slug || ""), token: String(token || "") }); };
    window.Baton = api;
    // An editor's preview link: #baton-preview=<slug>&token=<admin token>. A fragment never
    // reaches a server; it leaves the address bar at once and the token lives in sessionStorage.
    var m = !framed && /^#baton-preview=([^&]+)&token=([^&]+)$/.exec(location.hash);
    if (m) {
      try {
        history.replaceState(history.state, "", location.pathname + location.search);
        api.preview(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
      } catch (e) { warn(e); }
    }
    if (framed) {
      addEventListener("message", function (ev) {
        var d = ev.data;
        if (ev.source === parent && d && d.baton && d.call) call(d.call, d.arg);
      });
    }
    if (document.body) draw();
    else document.addEventListener("DOMContentLoaded", function () {
      try { draw(); } catch (e) { warn(e); }
    });
  } catch (e) { warn(e); }
})();
