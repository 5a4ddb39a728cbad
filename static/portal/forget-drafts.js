/* Run by the page shown after logging out. A phone may be shared by several secretaries: the
   next login must find nothing of this one's — no progress draft waiting in IndexedDB (it
   would be shown, and sent, on their page) and no workspace page kept for offline use. Same
   names as workspace.js and workspace-sw.js. */
(function () {
  "use strict";

  var done = [];
  if (window.indexedDB) {
    done.push(new Promise(function (resolve) {
      var request = indexedDB.deleteDatabase("portal-workspace");
      request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
    }));
  }
  if (window.caches) {
    done.push(caches.delete("workspace-v1").catch(function () { /* nothing kept */ }));
  }
  Promise.all(done).then(function () { document.documentElement.dataset.forgotten = "yes"; });
})();
