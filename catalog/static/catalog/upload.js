/* The admin's multi-upload (catalog/admin_upload.py): every photo dropped or chosen is sent on its own
   request, with its progress and the server's answer shown beside its name. Plain script, no inline code:
   the admin's Content-Security-Policy allows none. */
"use strict";

(function () {
  const PARALLEL = 2; // photos sent at the same time
  const form = document.getElementById("photo-upload-form");
  if (!form) return;
  const input = document.getElementById("id_photos");
  const zone = document.getElementById("photo-drop-zone");
  const list = document.getElementById("photo-upload-list");
  const summary = document.getElementById("photo-upload-summary");
  const problem = document.getElementById("photo-upload-error");
  const price = form.elements.price;
  const currency = form.elements.currency;
  const csrfToken = form.elements.csrfmiddlewaretoken.value;
  const queue = [];
  const counts = { total: 0, added: 0, refused: 0 };
  let running = 0;

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showSummary() {
    const done = counts.added + counts.refused;
    let text = `${done} of ${counts.total} photo(s) sent: ${counts.added} added, ${counts.refused} refused.`;
    if (done < counts.total) text = `Sending… ${text}`;
    summary.textContent = text;
  }

  function outcome(item, added, parts) {
    item.row.classList.add(added ? "added" : "refused");
    item.progress.value = 100;
    item.result.replaceChildren(...parts);
    counts[added ? "added" : "refused"] += 1;
    showSummary();
  }

  function link(href, text) {
    const a = element("a", "", text);
    a.href = href;
    return a;
  }

  function answered(item, xhr) {
    let body = null;
    if ((xhr.getResponseHeader("Content-Type") || "").startsWith("application/json")) {
      try {
        body = JSON.parse(xhr.responseText);
      } catch (error) {
        body = null;
      }
    }
    if (xhr.status === 201 && body && body.product) {
      const product = body.product;
      outcome(item, true, [
        "Added: ",
        link(product.url, `product ${product.id}, ${product.title}`),
        product.on_sale ? " (on sale)." : " (on sale when its thumbnail and preview are made).",
      ]);
    } else if (body && body.detail) {
      const parts = [`Refused: ${body.detail}`];
      if (body.product_url) parts.push(" ", link(body.product_url, `Open product ${body.product}`), ".");
      outcome(item, false, parts);
    } else {
      outcome(item, false, [
        `Refused: the server answered ${xhr.status} without a result (has the session ended? Log in again and resend).`,
      ]);
    }
  }

  function send(item) {
    running += 1;
    const data = new FormData();
    data.append("price", price.value);
    data.append("currency", currency.value);
    data.append("photo", item.file, item.file.name);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-CSRFToken", csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (event) => {
      // Kept under 100 until the server has answered: the photo is still being checked and stored.
      if (event.lengthComputable) item.progress.value = Math.min(99, (event.loaded / event.total) * 100);
    });
    xhr.addEventListener("load", () => answered(item, xhr));
    xhr.addEventListener("error", () => outcome(item, false, ["Not sent: the connection to the server failed."]));
    xhr.addEventListener("abort", () => outcome(item, false, ["Not sent: the upload was stopped."]));
    xhr.addEventListener("loadend", () => {
      running -= 1;
      next();
    });
    xhr.send(data);
  }

  function next() {
    while (running < PARALLEL && queue.length) send(queue.shift());
  }

  function add(files) {
    problem.hidden = true;
    if (!files.length) return;
    if (!price.value || !price.checkValidity()) {
      problem.textContent = "Enter the price of the photos (0.50 or more) first, then add them again.";
      problem.hidden = false;
      price.focus();
      return;
    }
    for (const file of files) {
      const row = element("li");
      const progress = element("progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", `Upload of ${file.name}`);
      const result = element("span", "result", "Waiting…");
      row.append(element("span", "name", file.name), progress, result);
      list.append(row);
      queue.push({ file, row, progress, result });
      counts.total += 1;
    }
    showSummary();
    next();
  }

  input.addEventListener("change", () => {
    add(Array.from(input.files));
    input.value = ""; // the same files may be chosen again
  });
  form.addEventListener("submit", (event) => event.preventDefault());
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => {
      event.preventDefault();
      zone.classList.add("dragging");
    });
  }
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    add(Array.from(event.dataTransfer.files));
  });
})();
