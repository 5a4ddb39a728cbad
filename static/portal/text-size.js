/* 大字 (large text) on the residents' site, for older residents: the button in the masthead
   turns it on and off, and each browser remembers the choice (localStorage). Loaded in <head>
   without defer, so the class goes on <html> before the first paint and a page never flashes
   in small type first. The CSP allows no inline script, hence this small file. The button is
   hidden in the HTML and shown here: without script it could do nothing. */
(function () {
  "use strict";

  var KEY = "portal:text-size";
  var root = document.documentElement;

  function stored() {
    try {
      return window.localStorage.getItem(KEY) === "large";
    } catch (error) {
      return false;  // storage refused (private mode, settings): the default size
    }
  }

  function apply(large) {
    root.classList.toggle("text-large", large);
    var button = document.getElementById("text-size");
    if (button) {
      button.setAttribute("aria-pressed", large ? "true" : "false");
    }
  }

  apply(stored());

  function wire() {
    var button = document.getElementById("text-size");
    if (!button) {
      return;
    }
    apply(root.classList.contains("text-large"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var large = !root.classList.contains("text-large");
      apply(large);
      try {
        if (large) {
          window.localStorage.setItem(KEY, "large");
        } else {
          window.localStorage.removeItem(KEY);
        }
      } catch (error) {
        // not remembered, but on for this page
      }
    });
  }

  // Another tab of the site changed it: follow.
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      apply(event.newValue === "large");
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
