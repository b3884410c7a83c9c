/* Samverkansportalen: the small client. No inline scripts (strict CSP).
 *
 * - `.js-autosubmit` selects submit their form on change.
 * - `PortalLive.connect(url)` opens a websocket that reconnects with backoff. Messages
 *   carry ids only; listeners re-fetch through the policy-checked views. After a
 *   reconnect a `portal:live-open` event lets pages catch up from the database.
 * - A socket with an element `[data-live-since="<name>"]` on the page (the bell) asks the
 *   server on every open for what is newer than the last id it saw
 *   (`{"type": "since", "id": n}`); the answer arrives as an ordinary message.
 * - Elements with `data-live-refresh="<type>"` are re-fetched by htmx (trigger
 *   `live-refresh`) when a message of that type arrives.
 */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el && el.classList && el.classList.contains("js-autosubmit") && el.form) {
      el.form.requestSubmit();
    }
  });

  function LiveSocket(url, name) {
    this.url = url;
    this.name = name || "live";
    this.delay = 500;
    this.closedByServer = false;
    this.opens = 0;
    this.lastId = 0;
    this.connect();
  }

  LiveSocket.prototype.connect = function () {
    var self = this;
    var proto = window.location.protocol === "https:" ? "wss://" : "ws://";
    var ws = new WebSocket(proto + window.location.host + this.url);
    this.ws = ws;
    ws.addEventListener("open", function () {
      self.delay = 500;
      self.opens += 1;
      var since = self.sinceId();
      if (since !== null) { self.send({ type: "since", id: since }); }
      document.dispatchEvent(new CustomEvent("portal:live-open", {
        detail: { name: self.name, first: self.opens === 1, since: since !== null }
      }));
    });
    ws.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (typeof data.id === "number" && data.id > self.lastId) { self.lastId = data.id; }
      data.socket = self.name;
      document.dispatchEvent(new CustomEvent("portal:live", { detail: data }));
      if (data.type === "closed") { self.closedByServer = true; }
    });
    ws.addEventListener("close", function (event) {
      document.dispatchEvent(new CustomEvent("portal:live-closed", { detail: { name: self.name, code: event.code } }));
      // 4401/4403/4404: not allowed (signed out, consent revoked): do not retry.
      if (self.closedByServer || (event.code >= 4400 && event.code < 4500)) { return; }
      setTimeout(function () { self.connect(); }, self.delay);
      self.delay = Math.min(self.delay * 2, 15000);
    });
  };

  // The newest id known on the page or seen on this socket, or null (no catch-up by id).
  LiveSocket.prototype.sinceId = function () {
    var el = document.querySelector('[data-live-since="' + this.name + '"]');
    if (!el) { return null; }
    var fromPage = parseInt(el.getAttribute("data-live-last-id") || "0", 10) || 0;
    return Math.max(fromPage, this.lastId);
  };

  LiveSocket.prototype.send = function (payload) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(payload));
      return true;
    }
    return false;
  };

  window.PortalLive = {
    sockets: {},
    connect: function (url, name) {
      var socket = new LiveSocket(url, name);
      this.sockets[name || "live"] = socket;
      return socket;
    }
  };

  function refreshMatching(type) {
    if (!window.htmx) { return; }
    document.querySelectorAll("[data-live-refresh]").forEach(function (el) {
      var types = el.getAttribute("data-live-refresh").split(" ");
      if (types.indexOf(type) !== -1 || types.indexOf("*") !== -1) {
        window.htmx.trigger(el, "live-refresh");
      }
    });
  }

  document.addEventListener("portal:live", function (event) {
    refreshMatching(event.detail.type);
  });
  document.addEventListener("portal:live-open", function (event) {
    // Catch up from the database after every reconnect. On the first open a socket that
    // asks "since" needs no refresh: the page was just rendered and the answer covers the gap.
    if (event.detail.first && event.detail.since) { return; }
    refreshMatching("reconnect");
  });

  document.addEventListener("DOMContentLoaded", function () {
    var url = document.body.getAttribute("data-live-url");
    if (url) { window.PortalLive.connect(url, "notifications"); }
    document.querySelectorAll("[data-live-socket]").forEach(function (el) {
      window.PortalLive.connect(el.getAttribute("data-live-socket"), el.getAttribute("data-live-name") || "page");
    });
  });
})();
