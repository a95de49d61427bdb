/* Soprovod's own few lines of behaviour. Every page works without them; they make the menu and
   wide tables easier to use from the keyboard. */
(function () {
  "use strict";
  var OPEN_GROUPS = ".mainnav details[open]";

  function closeMenuGroups(except) {
    document.querySelectorAll(OPEN_GROUPS).forEach(function (group) {
      if (group !== except) group.open = false;
    });
  }

  // Escape closes the open menu group and gives the focus back to its title.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = document.querySelector(OPEN_GROUPS);
    if (!open) return;
    open.open = false;
    open.querySelector("summary").focus();
  });
  // A click or the focus elsewhere closes it, as a dropdown does.
  function closeOutside(event) {
    var group = event.target.closest && event.target.closest(".mainnav details");
    closeMenuGroups(group);
  }
  document.addEventListener("click", closeOutside);
  document.addEventListener("focusin", closeOutside);

  // A box that scrolls sideways (a wide table on a phone) takes the keyboard focus when nothing
  // inside it can, so the arrow keys scroll it (axe «scrollable-region-focusable").
  var SCROLLERS = "main table.list, main .scroll, main .table-scroll, main [class*='-scroll']";
  function focusableScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1 &&
        /auto|scroll/.test(getComputedStyle(box).overflowX);
      if (box.dataset.scrollFocus === "added" && !scrolls) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      } else if (scrolls && !box.hasAttribute("tabindex") &&
                 !box.querySelector("a[href], button, input, select, textarea, [tabindex]")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "added";
      }
    });
  }
  var pending = false;
  function soon() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; focusableScrollers(); });
  }
  document.addEventListener("DOMContentLoaded", focusableScrollers);
  window.addEventListener("resize", soon);
  document.addEventListener("htmx:afterSettle", soon);
})();
