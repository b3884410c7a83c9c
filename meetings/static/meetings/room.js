/* The live meeting room (no inline scripts: strict CSP).
 *
 * portal.js connects the socket named "room" (data-live-socket) and re-fetches the
 * parts whose type arrives. Here: show the connection state, leave the room at once
 * when the server closes it for lost access (4401/4403/4404), and reset the
 * coordinator's forms after a successful htmx post (or show the error). Each part is
 * re-fetched into a persistent container (innerHTML), so a push that arrives while a
 * fetch is in flight is queued, not lost; and once a minute every part is re-fetched
 * anyway, so a lost push (Redis down) costs at most a minute.
 */
(function () {
  "use strict";

  function indicator() { return document.getElementById("live-indicator"); }

  function setIndicator(state) {
    var el = indicator();
    if (!el) { return; }
    el.textContent = el.getAttribute("data-text-" + state) || "";
    el.className = "live-indicator live-indicator--" + state;
  }

  function leave() {
    var room = document.getElementById("room");
    if (room) {
      // Remove everything the room showed: the viewer no longer has access to it.
      while (room.firstChild) { room.removeChild(room.firstChild); }
      room.removeAttribute("data-live-socket");
      var notice = document.createElement("p");
      notice.className = "notice";
      notice.textContent = (indicator() && indicator().getAttribute("data-text-gone")) || "";
      room.appendChild(notice);
    }
    setIndicator("gone");
  }

  document.addEventListener("portal:live-open", function (event) {
    if (event.detail && event.detail.name === "room") { setIndicator("open"); }
  });

  document.addEventListener("portal:live-closed", function (event) {
    if (!event.detail || event.detail.name !== "room") { return; }
    if (event.detail.code >= 4400 && event.detail.code < 4500) { leave(); } else { setIndicator("closed"); }
  });

  document.addEventListener("portal:live", function (event) {
    if (event.detail && event.detail.socket === "room" && event.detail.type === "closed") { leave(); }
  });

  var CATCH_UP_MS = 60000;
  setInterval(function () {
    var room = document.getElementById("room");
    if (!room || !window.htmx || document.hidden) { return; }
    room.querySelectorAll("[data-live-refresh]").forEach(function (el) {
      window.htmx.trigger(el, "live-refresh");
    });
  }, CATCH_UP_MS);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || form.tagName !== "FORM") { return; }
    var error = document.getElementById("room-error");
    if (event.detail.successful) {
      if (form.hasAttribute("data-reset-on-success")) { form.reset(); }
      if (error) { error.textContent = ""; }
    } else if (error && event.detail.xhr) {
      error.textContent = event.detail.xhr.responseText || "";
    }
  });
})();
