/* The lobby big screen (/screen/): keeps the clock running and, every data-refresh-seconds,
   fetches the panels again (data-refresh-url) and swaps them in without reloading the page.
   When a fetch fails the last panels stay up, marked as not current, and the next try follows. */
(function () {
  "use strict";

  var body = document.body;
  var url = body.getAttribute("data-refresh-url");
  var seconds = Math.max(1, parseInt(body.getAttribute("data-refresh-seconds"), 10) || 60);
  var clock = document.getElementById("screen-clock");
  var timeFormat = new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false
  });

  function tick() {
    if (clock) {
      clock.textContent = timeFormat.format(new Date());
    }
  }

  function swap(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content.querySelector("#panels");
    var current = document.getElementById("panels");
    if (!fresh || !current) {
      throw new Error("no #panels in the answer");
    }
    current.replaceWith(fresh);
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

  tick();
  window.setInterval(tick, 1000);
  if (url) {
    window.setTimeout(refresh, seconds * 1000);
  }
})();
