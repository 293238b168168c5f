// The upload form: refuse a file over the size limit before sending it, and say that the file is on its way and
// being checked (the receipt page follows when the server has decided; a large file takes a while).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.upload");
  if (!form) { return; }
  var note = form.querySelector(".upload-note");
  form.addEventListener("submit", function (event) {
    var file = form.querySelector("input[type=file]").files[0];
    var limit = Number(form.dataset.maxBytes);
    if (file && limit && file.size > limit) {
      event.preventDefault();
      note.textContent = "文件过大（" + (file.size / 1048576).toFixed(1) + " MB），上限 " + (limit / 1048576) + " MB，请拆分后上传";
      return;
    }
    form.querySelector("button").disabled = true;
    note.textContent = "正在上传并校验，请勿关闭页面…";
  });
});
