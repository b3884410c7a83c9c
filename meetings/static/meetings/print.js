/* Print button of the minutes' print view (no inline scripts: strict CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var el = event.target;
    if (el && el.classList && el.classList.contains("js-print")) { window.print(); }
  });
})();
