/* “离我最近” on the centre directory. The browser's own geolocation (no map service, nothing
   downloaded); the position goes to the portal in a POST body, rounded to about 100 m, for one
   sort, and is kept nowhere — not in the address bar, the history or this page's storage. */
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var status = document.getElementById("near-status");
  var results = document.getElementById("center-results");
  if (!button || !status || !results) return;
  button.hidden = false;

  var MESSAGES = {
    1: "您没有允许本站获取位置。如需按距离排序，请在浏览器或微信的设置中允许获取位置后再试；也可以用上面的“社区”筛选找到离您近的中心。",
    2: "暂时无法确定您的位置（可能没有开启定位服务）。请开启手机的定位后再试，或用上面的“社区”筛选。",
    3: "获取位置超时。请到信号好一点的地方再试，或用上面的“社区”筛选。"
  };

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("near-error", Boolean(isError));
  }

  function done() {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }

  function sortFrom(position) {
    var body = new URLSearchParams();
    body.set("lat", position.coords.latitude.toFixed(3));
    body.set("lng", position.coords.longitude.toFixed(3));
    say("正在按距离排序……");
    fetch(button.getAttribute("data-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "text/html" }
    })
      .then(function (response) {
        return response.text().then(function (html) {
          return { ok: response.ok, html: html };
        });
      })
      .then(function (answer) {
        var parsed = new DOMParser().parseFromString(answer.html, "text/html");
        if (!answer.ok) {
          var error = parsed.querySelector(".near-error");
          say(error ? error.textContent : "无法按距离排序，请稍后再试。", true);
          return;
        }
        results.replaceChildren.apply(results, Array.prototype.slice.call(parsed.body.childNodes));
        say("");
        results.scrollIntoView({ block: "start" });
      })
      .catch(function () {
        say("网络不通，无法按距离排序，请稍后再试。", true);
      })
      .then(done);
  }

  button.addEventListener("click", function () {
    if (!("geolocation" in navigator) || !window.isSecureContext) {
      say("这个浏览器无法获取位置。请用上面的“社区”筛选找到离您近的中心。", true);
      return;
    }
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    say("正在获取您的位置……（浏览器可能会询问是否允许）");
    navigator.geolocation.getCurrentPosition(sortFrom, function (error) {
      say(MESSAGES[error.code] || MESSAGES[2], true);
      done();
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
})();
