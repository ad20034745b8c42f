// Task page: unfinished tasks refresh themselves; failed ones can be retried.
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var labels = { pending: "排队中", processing: "处理中", completed: "已完成", failed: "失败" };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text) e.textContent = text;
    return e;
  }

  // The same mapping as preview_url in templates/tasks.rs: pages show small previews,
  // the link opens the stored file itself.
  function previewUrl(url) {
    var m = /\/public\/((?:temp|results)\/.*)$/.exec(url);
    return m ? "/thumbs/" + m[1] : url;
  }

  function render(row, task) {
    row.dataset.status = task.task_status;
    var status = row.querySelector("td.status");
    status.textContent = "";
    status.appendChild(el("span", "badge " + task.task_status, labels[task.task_status] || task.task_status));
    if (task.error) status.appendChild(el("p", "error", task.error.message));
    if (task.notice) status.appendChild(el("p", "notice", task.notice.message));
    var result = row.querySelector("td.result");
    result.textContent = "";
    (task.result_urls || []).forEach(function (url) {
      var link = el("a", "thumb"); link.href = url; link.target = "_blank"; link.rel = "noopener";
      var img = el("img", "thumb"); img.src = previewUrl(url); img.alt = "结果";
      link.appendChild(img); result.appendChild(link);
    });
    var actions = row.querySelector("td.actions");
    actions.textContent = "";
    if (task.task_status === "completed") {
      (task.result_urls || []).forEach(function (_, i) {
        var a = el("a", "download", i ? "下载 " + (i + 1) : "下载");
        a.href = "/api/tasks/" + task.task_id + "/result?index=" + i;
        actions.appendChild(a);
      });
    }
    if (task.task_status === "failed") {
      var b = el("button", "retry", "重试"); b.type = "button"; b.dataset.retry = task.task_id;
      actions.appendChild(b);
    }
  }

  function updateCount(section) {
    var rows = section.querySelectorAll("tr[data-task]");
    var done = section.querySelectorAll('tr[data-status="completed"]').length;
    var failed = section.querySelectorAll('tr[data-status="failed"]').length;
    var count = section.querySelector(".count");   // absent when the list is filtered
    if (count) count.textContent = done + "/" + rows.length;
    section.querySelector(".failed-count").textContent = failed;
    section.querySelector(".retry-batch").hidden = failed === 0;
    section.querySelector("a.zip").hidden = done === 0;
    var waiting = section.querySelectorAll('tr[data-status="pending"]').length;
    section.querySelector(".waiting-count").textContent = waiting;
    section.querySelector(".cancel-batch").hidden = waiting === 0;
  }

  // A button that POSTs one action: it stays disabled while the request runs, and a refusal
  // or a dropped connection is said in words.
  function press(button, url, word, onAccepted) {
    button.disabled = true;
    fetch(url, { method: "POST", headers: { "X-CSRF-Token": csrf } })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (r) {
        button.disabled = false;
        if (r.ok) onAccepted(r.body);
        else alert((r.body.error && r.body.error.message) || word + "失败");
      })
      .catch(function () { button.disabled = false; alert("网络中断，" + word + "没有提交"); });
  }

  // Puts tasks the server sent back into their rows.
  function show(section, tasks) {
    tasks.forEach(function (task) {
      var row = section.querySelector('tr[data-task="' + task.task_id + '"]');
      if (row) render(row, task);
    });
    updateCount(section);
  }

  // Stops the tasks of a batch that have not started; the page then shows them as
  // cancelled (the refresh brings their reason).
  function cancelBatch(button) {
    var section = button.closest("section.batch");
    var waiting = section.querySelector(".waiting-count").textContent;
    if (!window.confirm("取消这一批还在排队的 " + waiting + " 张？正在处理的会照常完成。")) return;
    var url = "/api/batches/" + encodeURIComponent(button.dataset.cancelBatch) + "/cancel";
    press(button, url, "取消", function () { refreshSection(section); });
  }

  function retryBatch(button) {
    var section = button.closest("section.batch");
    var url = "/api/batches/" + encodeURIComponent(button.dataset.retryBatch) + "/retry";
    press(button, url, "重试", function (body) { show(section, body.tasks); });
  }

  // Brings the rows of one batch up to date with the server.
  function refreshSection(section) {
    fetch("/api/tasks?limit=200&batch_id=" + encodeURIComponent(section.dataset.batch))
      .then(function (r) { return r.ok ? r.json() : { tasks: [] }; })
      .then(function (body) {
        body.tasks.forEach(function (task) {
          var row = section.querySelector('tr[data-task="' + task.task_id + '"]');
          var notice = task.notice ? task.notice.message : "";
          if (row && (row.dataset.status !== task.task_status || row.dataset.notice !== notice)) {
            row.dataset.notice = notice;
            render(row, task);
          }
        });
        updateCount(section);
      }).catch(function () {});
  }

  function poll() {
    document.querySelectorAll("section.batch").forEach(function (section) {
      var open = section.querySelector('tr[data-status="pending"], tr[data-status="processing"]');
      if (open) refreshSection(section);
    });
  }

  document.addEventListener("click", function (e) {
    var batchButton = e.target.closest && e.target.closest("button.retry-batch");
    if (batchButton) { retryBatch(batchButton); return; }
    var cancelButton = e.target.closest && e.target.closest("button.cancel-batch");
    if (cancelButton) { cancelBatch(cancelButton); return; }
    var id = e.target.dataset && e.target.dataset.retry;
    if (!id) return;
    var section = e.target.closest("section.batch");
    press(e.target, "/api/tasks/" + id + "/retry", "重试", function (task) { show(section, [task]); });
  });
  // The server writes times in UTC; operators read them in their own time zone.
  function two(n) { return (n < 10 ? "0" : "") + n; }
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (isNaN(d)) return;
    t.textContent = d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) +
      " " + two(d.getHours()) + ":" + two(d.getMinutes());
  });

  // A preview that cannot load (the file was removed after its keeping time, say) becomes a
  // plain word instead of a broken picture. Error events do not bubble: listen on capture.
  document.addEventListener("error", function (e) {
    var img = e.target;
    if (!img.matches || !img.matches("img.thumb")) return;
    var box = el("span", "thumb-missing", "无预览");
    img.replaceWith(box);
  }, true);

  setInterval(poll, 3000);
})();
