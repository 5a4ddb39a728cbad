/* The lobby big screen (/screen/): keeps the clock running; shows one group of the panels at a
   time (a few 数读 tiles, a chart, the week's activities) and turns to the next every
   data-rotate-seconds (?rotate=<seconds> in the address overrides it for this screen); and,
   every data-refresh-seconds, fetches the panels again (data-refresh-url) and swaps them in
   without reloading the page, on the group that was up. When a fetch fails the last panels
   stay up, marked as not current, and the next try follows.

   With reduced motion asked for (prefers-reduced-motion), nothing turns by itself and nothing
   fades: the group stays until someone picks another with the buttons below it. The buttons,
   the pause button and the arrow keys work in every case. */
(function () {
  "use strict";

  var body = document.body;
  var url = body.getAttribute("data-refresh-url");
  var seconds = Math.max(1, parseInt(body.getAttribute("data-refresh-seconds"), 10) || 60);
  var rotateSeconds = (function () {
    var asked = new URLSearchParams(window.location.search).get("rotate");
    var value = parseFloat(asked !== null ? asked : body.getAttribute("data-rotate-seconds"));
    return value > 0 ? Math.max(1, value) : 15;
  })();
  var reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  var paused = reducedMotion.matches;
  var current = null;
  var shownAt = Date.now();
  var rotateTimer = null;
  var clock = document.getElementById("screen-clock");
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
  });

  function tick() {
    if (clock) {
      clock.textContent = timeFormat.format(new Date());
    }
  }

  // --- groups ---------------------------------------------------------------------------------

  function groupsOf(root) {
    return Array.prototype.slice.call(root.querySelectorAll(".group[data-group]"));
  }

  // Marks ``slug`` (or the first group when the panels no longer have it) as the one shown, in
  // ``root``: the live panels, or fresh ones before they go in (so they arrive without a fade).
  function mark(root, slug) {
    var groups = groupsOf(root);
    if (!groups.length) {
      return null;
    }
    var shown = groups.filter(function (group) { return group.getAttribute("data-group") === slug; })[0] || groups[0];
    groups.forEach(function (group) {
      var on = group === shown;
      group.classList.toggle("is-current", on);
      group.setAttribute("aria-hidden", on ? "false" : "true");
    });
    var chosen = shown.getAttribute("data-group");
    Array.prototype.forEach.call(root.querySelectorAll("[data-show]"), function (button) {
      var on = button.getAttribute("data-show") === chosen;
      if (on) {
        button.setAttribute("aria-current", "true");
      } else {
        button.removeAttribute("aria-current");
      }
      button.classList.toggle("is-timing", on);
    });
    Array.prototype.forEach.call(root.querySelectorAll("[data-rotate-toggle]"), function (button) {
      button.setAttribute("aria-pressed", paused ? "true" : "false");
    });
    return chosen;
  }

  function schedule() {
    window.clearTimeout(rotateTimer);
    body.classList.toggle("is-paused", paused);
    if (!paused) {
      rotateTimer = window.setTimeout(function () { step(1); }, rotateSeconds * 1000);
    }
  }

  function show(slug) {
    var panels = document.getElementById("panels");
    if (!panels) {
      return;
    }
    current = mark(panels, slug);
    shownAt = Date.now();
    body.setAttribute("data-group", current || "");
    // Start the time line under the current button from nothing.
    body.style.setProperty("--elapsed", "0s");
    Array.prototype.forEach.call(panels.querySelectorAll("[data-show].is-timing"), function (button) {
      button.classList.remove("is-timing");
      void button.offsetWidth;
      button.classList.add("is-timing");
    });
    schedule();
  }

  function step(by) {
    var panels = document.getElementById("panels");
    var slugs = panels ? groupsOf(panels).map(function (group) { return group.getAttribute("data-group"); }) : [];
    if (!slugs.length) {
      return;
    }
    var at = slugs.indexOf(current);
    show(slugs[(at + by + slugs.length) % slugs.length]);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-show], [data-rotate-toggle]") : null;
    if (!button) {
      return;
    }
    if (button.hasAttribute("data-rotate-toggle")) {
      paused = !paused;
      show(current);
    } else {
      show(button.getAttribute("data-show"));
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "ArrowRight" || event.key === "PageDown") {
      step(1);
    } else if (event.key === "ArrowLeft" || event.key === "PageUp") {
      step(-1);
    }
  });

  function onMotionChange() {
    paused = reducedMotion.matches;
    show(current);
  }
  if (reducedMotion.addEventListener) {
    reducedMotion.addEventListener("change", onMotionChange);
  } else if (reducedMotion.addListener) {
    reducedMotion.addListener(onMotionChange);
  }

  // --- refresh --------------------------------------------------------------------------------

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("#panels");
    var live = document.getElementById("panels");
    if (!fresh || !live) {
      throw new Error("no #panels in the answer");
    }
    var chosen = mark(fresh, current);
    // The time line under the current button goes on from where it was.
    body.style.setProperty("--elapsed", (Date.now() - shownAt) / 1000 + "s");
    live.replaceWith(fresh);
    if (chosen !== current) {
      show(chosen);  // the group that was up is gone: start the next one's time afresh
    }
    body.classList.remove("is-stale");
    body.setAttribute("data-refreshed", String(Date.now()));
  }

  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(swap)
      .catch(function () {
        body.classList.add("is-stale");
      })
      .then(function () {
        window.setTimeout(refresh, seconds * 1000);
      });
  }

  body.style.setProperty("--rotate", rotateSeconds + "s");
  tick();
  window.setInterval(tick, 1000);
  show(null);
  if (url) {
    window.setTimeout(refresh, seconds * 1000);
  }
})();
