// Live progress of an issuance job: polls the JSON endpoint and updates the page; when the
// job ends, the page is loaded again and shows the result the server renders.
(function () {
  "use strict";
  const box = document.getElementById("progress");
  if (!box) { return; }
  const field = (name) => box.querySelector(`[data-field="${name}"]`);
  const count = new Intl.NumberFormat(document.documentElement.lang || "vi");

  function render(p) {
    box.querySelector(".progress-fill").style.width = `${p.percent}%`;
    box.querySelector(".progress-bar").setAttribute("aria-valuenow", p.percent);
    field("signed").textContent = count.format(p.signed);
    field("total").textContent = count.format(p.total);
    field("percent").textContent = p.percent;
    field("delegates_done").textContent = count.format(p.delegates_done);
    field("delegates_total").textContent = count.format(p.delegates_total);
    field("left").textContent = p.seconds_left === null ? "—" : `${p.seconds_left} s`;
    field("state").firstElementChild.textContent = p.status_label;
    field("stalled").textContent = p.stalled_message || "";
    field("stalled").hidden = !p.stalled_message;
    return p.status === "running";
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" } });
      if (response.ok && !render(await response.json())) {
        window.location.reload();
        return;
      }
    } catch (error) { /* a missed poll is retried */ }
    setTimeout(poll, 1000);
  }
  poll();
})();
