// Tool page: per-file uploads with progress and thumbnails, then one batch submission.
(function () {
  "use strict";
  var main = document.querySelector("main.tool");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var available = main.dataset.available === "true";
  var maxFiles = Number(main.dataset.maxFiles);
  var list = document.getElementById("file-list");
  var submit = document.getElementById("submit");
  var formError = document.getElementById("form-error");
  var uploads = [];      // {url, state} in the order the files were chosen
  var refs = {};         // option key -> uploaded URL of the second picture
  var accepted = false;  // the batch was accepted: leaving the page loses nothing

  function refresh() {
    var busy = uploads.some(function (u) { return u.state === "uploading"; });
    var ready = uploads.filter(function (u) { return u.state === "done"; }).length;
    submit.disabled = !available || busy || !ready;
    submit.textContent = busy ? "正在上传…" : ready ? "开始处理（" + ready + " 张）" : "开始处理";
  }

  // Browsers show no TIFF and some BMPs: the card then names the format instead of a
  // broken picture; the server still checks and converts the file itself.
  function thumbnail(file) {
    var img = document.createElement("img");
    img.alt = "";
    img.src = URL.createObjectURL(file);
    img.onload = function () { URL.revokeObjectURL(img.src); };
    img.onerror = function () {
      var box = document.createElement("span");
      box.className = "no-preview";
      box.textContent = (file.name.split(".").pop() || "?").toUpperCase() + "（无预览）";
      img.replaceWith(box);
    };
    return img;
  }

  // Removing a card takes the picture out of the batch; an upload still running is
  // dropped when it finishes.
  function removeButton(li, entry) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "remove";
    button.title = "从这一批中移除";
    button.textContent = "×";
    button.addEventListener("click", function () {
      entry.state = "removed";
      li.remove();
      formError.hidden = true;
      refresh();
    });
    return button;
  }

  function send(file, onProgress) {
    return new Promise(function (resolve) {
      var xhr = new XMLHttpRequest();
      var data = new FormData();
      data.append("files", file, file.name);
      xhr.open("POST", "/api/uploads");
      xhr.setRequestHeader("X-CSRF-Token", csrf);
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded / e.total); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
        if (body.files && body.files.length) return resolve({ url: body.files[0].url });
        var err = (body.errors && body.errors[0]) || body.error || {};
        resolve({ error: err.message || ("上传失败（HTTP " + xhr.status + "）") });
      };
      xhr.onerror = function () { resolve({ error: "网络中断，上传失败" }); };
      xhr.send(data);
    });
  }

  function addFile(file) {
    var li = document.createElement("li");
    var entry = { state: "uploading" };
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 1; bar.value = 0;
    var status = document.createElement("span");
    status.className = "status";
    li.append(removeButton(li, entry), thumbnail(file), name, bar, status);
    list.appendChild(li);
    uploads.push(entry);
    refresh();
    send(file, function (p) { bar.value = p; }).then(function (r) {
      if (entry.state === "removed") return;
      if (r.url) { entry.url = r.url; entry.state = "done"; bar.value = 1; status.textContent = "已上传"; }
      else { entry.state = "failed"; li.classList.add("failed"); status.textContent = r.error; }
      refresh();
    });
  }

  function addFiles(files) {
    formError.hidden = true;
    Array.prototype.forEach.call(files, function (file) {
      if (uploads.filter(function (u) { return u.state !== "removed"; }).length >= maxFiles) {
        formError.textContent = "一批最多 " + maxFiles + " 张，" + file.name + " 未加入";
        formError.hidden = false;
        return;
      }
      addFile(file);
    });
  }

  var drop = document.getElementById("drop");
  document.getElementById("files").addEventListener("change", function (e) { addFiles(e.target.files); e.target.value = ""; });
  drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
  drop.addEventListener("drop", function (e) { e.preventDefault(); drop.classList.remove("over"); addFiles(e.dataTransfer.files); });

  document.querySelectorAll("input[data-ref]").forEach(function (input) {
    var status = input.parentElement.querySelector(".ref-status");
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (!file) return;
      delete refs[input.dataset.ref];
      status.textContent = "上传中…";
      send(file, function () {}).then(function (r) {
        if (r.url) { refs[input.dataset.ref] = r.url; status.textContent = "已上传：" + file.name; }
        else { status.textContent = r.error; }
      });
    });
  });

  var preset = document.getElementById("preset");
  if (preset) {
    preset.addEventListener("change", function () {
      if (preset.value === "custom") return;
      var size = preset.value.split("x");
      document.querySelector('[data-opt="width"]').value = size[0];
      document.querySelector('[data-opt="height"]').value = size[1];
    });
    // A size typed by hand selects its preset when there is one, 自定义 otherwise.
    ["width", "height"].forEach(function (key) {
      document.querySelector('[data-opt="' + key + '"]').addEventListener("input", function () {
        var size = document.querySelector('[data-opt="width"]').value + "x" +
          document.querySelector('[data-opt="height"]').value;
        preset.value = preset.querySelector('option[value="' + size + '"]') ? size : "custom";
      });
    });
  }

  // A watermark is text or a picture: only the fields of the chosen kind are shown.
  var kind = document.querySelector('[data-opt="kind"]');
  if (kind) {
    var showKind = function () {
      var image = kind.value === "image";
      document.querySelector('[data-opt="text"]').parentElement.hidden = image;
      document.querySelector('[data-opt="color"]').parentElement.hidden = image;
      document.querySelector('[data-ref="image"]').parentElement.hidden = !image;
    };
    kind.addEventListener("change", showKind);
    showKind();
  }

  function collectOptions() {
    var options = {};
    document.querySelectorAll("#options [data-opt]").forEach(function (el) {
      var key = el.dataset.opt;
      var kind = el.dataset.kind;
      if (kind === "bool") options[key] = el.checked;
      else if (kind === "list") {
        options[key] = Array.prototype.map.call(el.querySelectorAll("input:checked"), function (c) { return c.value; });
      } else if (el.value !== "") options[key] = kind === "number" ? Number(el.value) : el.value;
    });
    Object.keys(refs).forEach(function (key) { options[key] = refs[key]; });
    if (main.dataset.tool === "watermark") {
      if (options.kind === "image") { delete options.text; delete options.color; }
      else delete options.image;
    }
    if (main.dataset.tool === "crop_white_bg" && options.preset === "none") delete options.preset;
    return options;
  }

  // The API names a bad option by its path ("options.width: 必须在 16 到 10000 之间"): the page
  // names it by the label the operator sees, and marks and focuses the field.
  function showSubmitError(message) {
    document.querySelectorAll("#options .invalid").forEach(function (f) { f.classList.remove("invalid"); });
    var m = /^options\.(\w+): ([\s\S]*)$/.exec(message);
    var field = m && document.querySelector('#options [data-opt="' + m[1] + '"], #options [data-ref="' + m[1] + '"]');
    if (field) {
      var label = field.closest("label, fieldset");
      var name = label && (label.querySelector("legend") || label.firstChild).textContent.trim();
      message = (name ? name + "：" : "") + m[2];
      field.classList.add("invalid");
      field.focus();
    }
    formError.textContent = message;
    formError.hidden = false;
  }

  document.getElementById("options").addEventListener("submit", function (e) {
    e.preventDefault();
    var images = uploads.filter(function (u) { return u.state === "done"; }).map(function (u) { return u.url; });
    submit.disabled = true;
    var submitted = collectOptions();
    fetch("/api/tasks", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ task_type: main.dataset.tool, images: images, options: submitted })
    }).then(function (res) {
      return res.json().then(function (body) { return { ok: res.ok, body: body }; });
    }).then(function (r) {
      if (r.ok) {
        remember(submitted);
        accepted = true;
        window.location = "/aigc/tasks?batch_id=" + encodeURIComponent(r.body.batch_id);
        return;
      }
      showSubmitError((r.body.error && r.body.error.message) || "提交失败");
      refresh();
    }).catch(function () {
      formError.textContent = "网络中断，提交失败，请重试";
      formError.hidden = false;
      refresh();
    });
  });
  // Operators run the same settings day after day: the options of the last accepted batch
  // of each tool come back when the tool is opened again (in this browser). Pictures used
  // as options (a reference face, a watermark image) are chosen again each time.
  function storageKey() { return "aigc.options." + main.dataset.tool; }

  function remember(options) {
    var kept = {};
    Object.keys(options).forEach(function (key) { if (!(key in refs)) kept[key] = options[key]; });
    try { localStorage.setItem(storageKey(), JSON.stringify(kept)); } catch (e) { /* private mode */ }
  }

  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(storageKey()) || "null"); } catch (e) { saved = null; }
    if (!saved) return;
    document.querySelectorAll("#options [data-opt]").forEach(function (el) {
      var key = el.dataset.opt;
      if (!(key in saved)) return;
      if (el.dataset.kind === "bool") el.checked = !!saved[key];
      else if (el.dataset.kind === "list") {
        el.querySelectorAll("input").forEach(function (c) { c.checked = saved[key].indexOf(c.value) >= 0; });
      } else el.value = saved[key];
      el.dispatchEvent(new Event("change"));
    });
    var preset = document.getElementById("preset");
    if (preset && saved.width && saved.height) {
      var size = saved.width + "x" + saved.height;
      preset.value = preset.querySelector('option[value="' + size + '"]') ? size : "custom";
    }
  }

  // Uploaded pictures live only in this page until the batch is submitted: leaving by
  // mistake would lose the selection, so the browser asks first.
  window.addEventListener("beforeunload", function (e) {
    var chosen = uploads.some(function (u) { return u.state === "done" || u.state === "uploading"; });
    if (chosen && !accepted) { e.preventDefault(); e.returnValue = ""; }
  });

  restore();
  refresh();
})();
