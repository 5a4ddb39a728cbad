/* 复制 buttons: <button data-copy="id-of-the-text" hidden>. Shown only when this script runs
   (without it the code stays plain text to select). The clipboard API needs a secure page; on
   plain http, or where it is refused, the text is copied from a selection, and if even that
   fails it is left selected with a hint to long-press. */
(function () {
  "use strict";

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  function copyBySelection(source) {
    selectText(source);
    try {
      return document.execCommand("copy");
    } catch (error) {
      return false;
    }
  }

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var status = button.parentNode.querySelector(".copy-status");
    function say(text) { if (status) { status.textContent = text; } }
    function fallback() {
      say(copyBySelection(source) ? "已复制" : "请长按查询码复制");
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = source.textContent.trim();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { say("已复制"); }, fallback);
      } else {
        fallback();
      }
    });
  });
})();
