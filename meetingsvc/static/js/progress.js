// Live progress of an issuance job: polls the JSON endpoint and updates the page.
(function () {
  "use strict";
  const box = document.getElementById("progress");
  if (!box) { return; }
  const field = (name) => box.querySelector(`[data-field="${name}"]`);
  const failures = document.getElementById("failures");

  function render(p) {
    box.querySelector(".progress-fill").style.width = `${p.percent}%`;
    box.querySelector(".progress-bar").setAttribute("aria-valuenow", p.percent);
    field("signed").textContent = p.signed;
    field("total").textContent = p.total;
    field("percent").textContent = p.percent;
    field("delegates_done").textContent = p.delegates_done;
    field("delegates_total").textContent = p.delegates_total;
    field("rate").textContent = p.copies_per_second.toFixed(1);
    field("left").textContent = p.seconds_left === null ? "—" : p.seconds_left;
    field("state").textContent = p.status === "running" ? box.dataset.runningText
      : p.status === "completed" ? box.dataset.doneText : box.dataset.failedText;
    if (p.failures.length) {
      failures.hidden = false;
      const body = failures.querySelector('[data-field="failures"]');
      body.replaceChildren(...p.failures.map((f) => {
        const row = document.createElement("tr");
        for (const text of [f.delegate, f.reason]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.appendChild(cell);
        }
        return row;
      }));
    }
    return p.status === "running";
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok && !render(await response.json())) { return; }
    } catch (error) { /* a missed poll is retried */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
