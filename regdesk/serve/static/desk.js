// The desk takes the keyboard as soon as its terminal exists and whenever the window comes
// back to the front: a receptionist never has to click into the page before typing or scanning.
(function () {
  "use strict";
  function focusTerminal() {
    var input = document.querySelector(".xterm-helper-textarea");
    if (input && document.activeElement !== input) {
      input.focus();
    }
    return Boolean(input);
  }
  function whenReady() {
    if (focusTerminal()) {
      return;
    }
    var watcher = new MutationObserver(function () {
      if (focusTerminal()) {
        watcher.disconnect();
      }
    });
    watcher.observe(document.body, { childList: true, subtree: true });
  }
  window.addEventListener("load", whenReady);
  window.addEventListener("focus", focusTerminal);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      focusTerminal();
    }
  });
})();
