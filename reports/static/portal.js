// The upload form: refuse a file over the size limit before sending it, show how much of it has gone, say that
// it is being checked, then open its receipt (the server answers an upload with the receipt's address). Without
// this script the form still works: the browser posts it and follows to the receipt itself.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.upload");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var note = form.querySelector(".upload-note");
  var bar = form.querySelector("progress");
  var button = form.querySelector("button");
  var refusals = { 403: "页面已过期，请刷新页面后重新上传", 413: "文件过大，未接收" };
  function fail(text) {
    note.textContent = text;
    bar.hidden = true;
    button.disabled = false;
  }
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]").files[0];
    var limit = Number(form.dataset.maxBytes);
    event.preventDefault();
    if (file && limit && file.size > limit) {
      fail("文件过大（" + (file.size / 1048576).toFixed(1) + " MB），上限 " + (limit / 1048576) + " MB，请拆分后上传");
      return;
    }
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        note.textContent = "正在上传 " + bar.value + "%";
      }
    });
    request.upload.addEventListener("load", function () {
      bar.removeAttribute("value");
      note.textContent = "已上传，正在校验，请稍候…";
    });
    request.addEventListener("load", function () {
      if (request.status === 200) {
        window.location.assign(request.responseURL);
      } else {
        fail(refusals[request.status] || "上传未成功（" + request.status + "），请重试");
      }
    });
    request.addEventListener("error", function () { fail("网络中断，上传未成功，请重试"); });
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    note.textContent = "正在上传…";
    request.send(new FormData(form));
  });
});

// The reviewer's matrix: one button ticks every region-quarter waiting for this office ("approve all submitted").
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("button.pick-all");
  if (!button) { return; }
  button.addEventListener("click", function () {
    document.querySelectorAll("input[data-waiting]").forEach(function (box) { box.checked = true; });
  });
});

// The plan review page: a field of a target changed picks 按修改 (edit) for it, so an edit is never lost to 采纳.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("article.target-card .fields").forEach(function (fields) {
    fields.addEventListener("change", function () {
      var edit = fields.parentNode.querySelector("input[type=radio][value=edit]");
      if (edit) { edit.checked = true; }
    });
  });
});

// The plan review page: a target opened (its mark clicked, or its address #t4) brings its sentence into the
// document beside it, which scrolls on its own, so the two are read side by side.
document.addEventListener("DOMContentLoaded", function () {
  var panel = document.querySelector(".plan-document");
  if (!panel) { return; }
  function beside() {
    var found = /^#t(\d+)$/.exec(window.location.hash);
    var anchor = found && document.getElementById("s" + found[1]);
    if (anchor) {
      panel.scrollTop = anchor.getBoundingClientRect().top - panel.getBoundingClientRect().top + panel.scrollTop - 120;
    }
  }
  window.addEventListener("hashchange", beside);
  beside();
});

// The waiting page of an upload: asks its status, which the server holds until a batch is decided (at most 20 s),
// and opens the receipt once the file is decided, saying its place meanwhile. Without this script the page's link
// shows the receipt when it is ready.
document.addEventListener("DOMContentLoaded", function () {
  var note = document.querySelector(".upload-waiting");
  if (!note || !window.fetch) { return; }
  function ask() {
    var asked = Date.now();
    fetch(note.dataset.status + "?wait=20", { credentials: "same-origin", headers: { accept: "application/json" } })
      .then(function (answer) {
        if (answer.ok) { return answer.json(); }
        if (answer.status >= 500) { throw new Error(String(answer.status)); }
        window.location.reload();  // signed out, or not its page: the page itself says why
        return null;
      })
      .then(function (found) {
        if (!found) { return; }
        if (found.state === "done") {
          window.location.assign(found.receipt);
          return;
        }
        if (found.place) {
          note.textContent = "处理中：文件已收到并保存，排在第" + found.place + "位，完成后本页自动显示回执，无需刷新，也无需重新上传。";
        }
        window.setTimeout(ask, Math.max(0, 1000 - (Date.now() - asked)));  // never more than once a second
      })
      .catch(function () { window.setTimeout(ask, 3000); });  // the network, or a 5xx: ask again later
  }
  ask();
});
