// Progress for long work. A workbook link marked data-progress="ID" is fetched here, so the status ID can say
// "preparing" while the server writes it and show a bar while it arrives; the file is then saved as the link
// would have saved it. An upload form marked data-progress="ID" shows its upload, then the server's check.
// Without scripts the links and forms work as plain ones, with the browser's own progress.
(function () {
  "use strict";

  function status(id) {
    var box = document.getElementById(id);
    if (!box) return null;
    return {
      show: function (text, fraction) {
        var bar = box.querySelector("progress");
        box.hidden = false;
        box.querySelector("span").textContent = text;
        if (fraction === null) bar.removeAttribute("value");
        else bar.value = Math.round(fraction * 100);
      },
    };
  }

  function fileName(response, link) {
    var given = /filename="?([^";]+)"?/.exec(response.headers.get("Content-Disposition") || "");
    return given ? given[1] : link.getAttribute("download") || "download";
  }

  function kilobytes(count) {
    return Math.round(count / 1024).toLocaleString("en-GB") + " KB";
  }

  async function download(link, shown) {
    shown.show("Preparing the workbook…", null);
    var response = await fetch(link.href, { credentials: "same-origin" });
    if (!response.ok) {
      shown.show("The workbook could not be made (" + response.status + "). Try again, or ask an administrator.", 0);
      return;
    }
    var total = Number(response.headers.get("Content-Length")) || 0;
    var reader = response.body.getReader();
    var parts = [];
    var received = 0;
    for (;;) {
      var step = await reader.read();
      if (step.done) break;
      parts.push(step.value);
      received += step.value.length;
      shown.show("Downloading: " + kilobytes(received) + (total ? " of " + kilobytes(total) : ""),
                 total ? received / total : null);
    }
    var saved = URL.createObjectURL(new Blob(parts, { type: response.headers.get("Content-Type") || "" }));
    var save = document.createElement("a");
    save.href = saved;
    save.download = fileName(response, link);
    document.body.appendChild(save);
    save.click();
    save.remove();
    setTimeout(function () { URL.revokeObjectURL(saved); }, 60000);
    shown.show("Downloaded " + save.download + " (" + kilobytes(received) + ").", 1);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-progress]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var shown = status(link.dataset.progress);
    if (!shown || !window.fetch || !window.ReadableStream) return;
    event.preventDefault();
    download(link, shown).catch(function () {
      shown.show("The download stopped. Try again.", 0);
    });
  });

  // Uploads go through htmx (hx-post on the form); its XHR reports the bytes sent.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    var shown = form && status(form.dataset.progress);
    if (!shown || !event.detail.lengthComputable) return;
    var sent = event.detail.loaded / event.detail.total;
    if (sent < 1) shown.show("Uploading: " + Math.round(sent * 100) + "%", sent);
    else shown.show("Uploaded. Checking every row…", null);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    var box = form && document.getElementById(form.dataset.progress);
    if (box) box.hidden = true;
  });
})();
