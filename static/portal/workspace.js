/* The workspace on a phone: progress drafts kept on the phone (IndexedDB, photos included) and
   sent when the connection comes back; "select all" for batch confirmation; the service worker
   that lets the workspace open without a connection. No inline script: CSP forbids it.
   A phone may be shared: a draft belongs to the login it was written under (its key and its
   record carry the user id the page names), is never shown or sent under another login (the
   server refuses it too), and is forgotten at logout (forget-drafts.js). */
(function () {
  "use strict";

  var DB_NAME = "portal-workspace";
  var STORE = "drafts";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () {
        // Let the logout page delete the database even while this tab is open.
        request.result.onversionchange = function () { request.result.close(); };
        resolve(request.result);
      };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = action(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(request && request.result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  var drafts = {
    get: function (key) { return store("readonly", function (s) { return s.get(key); }); },
    put: function (key, value) { return store("readwrite", function (s) { return s.put(value, key); }); },
    remove: function (key) { return store("readwrite", function (s) { return s.delete(key); }); },
  };

  function say(form, text) {
    var status = form.querySelector(".draft-status");
    if (status) { status.textContent = text; }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return String(Date.now()) + String(Math.random()).slice(2);
  }

  function showErrors(form, errors) {
    form.querySelectorAll(".js-error").forEach(function (node) { node.remove(); });
    Object.keys(errors).forEach(function (name) {
      var field = form.querySelector("[name=" + name + "]");
      var anchor = field ? field.closest(".field") : form.querySelector("button[type=submit]");
      errors[name].forEach(function (error) {
        var p = document.createElement("p");
        p.className = "errorlist js-error";
        p.setAttribute("role", "alert");
        p.textContent = error.message;
        anchor.parentNode.insertBefore(p, field ? anchor.nextSibling : anchor);
      });
    });
  }

  function setupDraft(form) {
    var user = form.dataset.user;
    if (!user) { return; }  // no login named: keep nothing on the phone
    var key = "user-" + user + ":" + form.dataset.draft;
    var text = form.querySelector("[name=text]");
    var percent = form.querySelector("[name=percent]");
    var photos = form.querySelector("[name=photos]");
    var draftId = form.querySelector("[name=draft]");
    var draftUser = form.querySelector("[name=draft_user]");
    var current = { id: newId(), user: user, text: "", percent: percent.value, photos: [], queued: false };
    var sending = false;

    function save() {
      current.text = text.value;
      current.percent = percent.value;
      if (photos.files.length) { current.photos = Array.prototype.slice.call(photos.files); }
      return drafts.put(key, current);
    }

    function send() {
      if (sending) { return Promise.resolve(); }
      sending = true;
      var body = new FormData();
      body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
      body.append("text", current.text);
      body.append("percent", current.percent);
      body.append("draft", current.id);
      body.append("draft_user", current.user);
      current.photos.forEach(function (file) { body.append("photos", file, file.name || "photo.jpg"); });
      say(form, "正在发送…");
      return fetch(form.action || window.location.href, {
        method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if ((response.headers.get("Content-Type") || "").indexOf("json") === -1) {
          // A login or a page that expired (403): the draft stays, the user reloads.
          current.queued = false;
          return drafts.put(key, current).then(function () {
            say(form, "登录或页面已过期：请刷新页面（或重新登录）后再提交，草稿仍保存在手机上。");
          });
        }
        return response.json().then(function (data) {
          if (response.ok) {
            return drafts.remove(key).then(function () {
              say(form, data.message || "已发送。");
              window.location.assign(data.redirect);
            });
          }
          current.queued = false;
          return drafts.put(key, current).then(function () {
            showErrors(form, data.errors || {});
            say(form, "请按提示修改后再提交，草稿仍保存在手机上。");
          });
        });
      }).catch(function () {
        current.queued = true;
        return drafts.put(key, current).then(function () {
          say(form, "网络不通：草稿已保存在手机上，恢复联网后会自动发送。");
        });
      }).finally(function () { sending = false; });
    }

    drafts.get(key).then(function (saved) {
      if (saved && saved.user === user) {
        current = saved;
        text.value = saved.text;
        percent.value = saved.percent;
        var count = saved.photos.length;
        say(form, "已恢复未发送的草稿" + (count ? "（含 " + count + " 张照片）" : "") + (saved.queued ? "，联网后自动发送。" : "。"));
        if (saved.queued && navigator.onLine) { send(); }
      }
      draftId.value = current.id;
      if (draftUser) { draftUser.value = current.user; }
      form.dataset.draftReady = "yes";  // the draft, if any, is restored (tests wait for it)
    });

    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      save().then(send);
    });
    window.addEventListener("online", function () {
      if (current.queued) { send(); }
    });
  }

  function setupCheckAll(box) {
    var form = box.closest("form");
    box.addEventListener("change", function () {
      form.querySelectorAll("input[name=" + box.dataset.target + "]").forEach(function (input) {
        input.checked = box.checked;
      });
    });
  }

  function setupConnection() {
    var banner = document.querySelector(".connection");
    function update() {
      banner.hidden = navigator.onLine;
      banner.textContent = navigator.onLine ? "" : "当前没有网络：填写的内容会先保存在手机上。";
    }
    window.addEventListener("online", update);
    window.addEventListener("offline", update);
    update();
  }

  // The page a secretary posts from is kept for offline use from its first visit, before the
  // service worker controls the tab (it keeps later visits itself): the page, and every file
  // of this site it loaded — styles, script, icons, fonts — which the worker also precaches
  // as it installs. Same cache name as workspace-sw.js.
  function keepOfflineCopy() {
    if (!document.querySelector("[data-offline-copy]") || !window.caches) { return; }
    var page = window.location.pathname;
    var assets = [];
    function keep(href) {
      var url = new URL(href, window.location.href);
      if (url.origin === window.location.origin && url.pathname.indexOf("/static/") === 0 && assets.indexOf(url.pathname) === -1) {
        assets.push(url.pathname);
      }
    }
    document.querySelectorAll("link[href]").forEach(function (link) { keep(link.href); });
    document.querySelectorAll("script[src]").forEach(function (script) { keep(script.src); });
    if (window.performance && performance.getEntriesByType) {
      performance.getEntriesByType("resource").forEach(function (entry) { keep(entry.name); });
    }
    return caches.open("workspace-v1").then(function (cache) {
      var files = assets.map(function (url) {
        return cache.match(url).then(function (hit) { return hit || cache.add(url); }).catch(function () {});
      });
      // A fresh copy of the page itself, every time it is opened with a connection.
      return Promise.all(files.concat([cache.add(page)]));
    }).then(function () { document.documentElement.dataset.offline = "ready"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.indexedDB && window.fetch) {
      document.querySelectorAll("form[data-draft]").forEach(setupDraft);
    }
    document.querySelectorAll(".check-all").forEach(setupCheckAll);
    if (document.querySelector(".connection")) { setupConnection(); }
    var script = document.querySelector("script[data-sw]");
    if (script && "serviceWorker" in navigator) {
      navigator.serviceWorker.register(script.dataset.sw, { scope: script.dataset.sw.replace(/sw\.js$/, "") })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(keepOfflineCopy)
        .catch(function () { /* the workspace works without it, only not offline */ });
    }
  });
})();
