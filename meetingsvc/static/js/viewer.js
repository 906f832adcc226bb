// The portal's PDF viewer: PDF.js (served from our own static files) draws each page on a
// canvas when it comes near the screen, and the pages a delegate actually looked at are
// reported in batches: every few seconds with fetch(), and with a beacon when the page is left.
// Text shown to the user comes translated from the template's data- attributes.

const box = document.getElementById("viewer");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const FLUSH_EVERY_MS = 2000;
const DWELL_MS = 400; // a page counts as viewed after showing this long, not when scrolled past

const field = (name) => document.querySelector(`[data-field="${name}"]`);
const pending = new Set();
const sent = new Set();
let flushTimer = null;

function say(text) {
  const status = field("status");
  status.textContent = text;
  status.hidden = !text;
}

function noteSent(pages) {
  for (const page of pages) { sent.add(page); }
  box.dataset.sentPages = [...sent].sort((a, b) => a - b).join(",");
}

async function flush() {
  flushTimer = null;
  if (!pending.size) { return; }
  const pages = [...pending];
  pending.clear();
  try {
    const response = await fetch(box.dataset.pagesUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ pages }),
      credentials: "same-origin",
    });
    if (!response.ok) { throw new Error(`HTTP ${response.status}`); }
    noteSent(pages);
  } catch (error) {
    for (const page of pages) { pending.add(page); } // tried again with the next batch
    scheduleFlush();
  }
}

function scheduleFlush() {
  if (flushTimer === null) { flushTimer = setTimeout(flush, FLUSH_EVERY_MS); }
}

// Leaving the page: a beacon survives the navigation; fetch() might not.
function flushNow() {
  if (!pending.size) { return; }
  const form = new FormData();
  form.append("csrf_token", csrfToken);
  form.append("pages", [...pending].join(","));
  if (navigator.sendBeacon(box.dataset.pagesUrl, form)) {
    noteSent(pending);
    pending.clear();
  }
}

function markViewed(page) {
  if (sent.has(page) || pending.has(page)) { return; }
  pending.add(page);
  scheduleFlush();
}

async function start() {
  say(box.dataset.loadingText);
  const pdfjs = await import(box.dataset.lib);
  pdfjs.GlobalWorkerOptions.workerSrc = box.dataset.worker;
  const pdf = await pdfjs.getDocument({
    url: box.dataset.file,
    standardFontDataUrl: box.dataset.standardFonts,
    rangeChunkSize: 256 * 1024,
    disableAutoFetch: true,
  }).promise;
  box.dataset.pageCount = pdf.numPages;
  field("total").textContent = pdf.numPages;

  const first = await pdf.getPage(1);
  const pagesBox = field("pages");
  const fitWidth = () => Math.min(pagesBox.clientWidth - 2, 980);
  const base = first.getViewport({ scale: 1 });
  const scale = fitWidth() / base.width;
  const slots = [];
  for (let n = 1; n <= pdf.numPages; n++) {
    const slot = document.createElement("div");
    slot.className = "pdf-page";
    slot.dataset.page = n;
    slot.style.width = `${Math.floor(base.width * scale)}px`;
    slot.style.height = `${Math.floor(base.height * scale)}px`;
    slot.setAttribute("aria-label", box.dataset.pageLabel.replace("%(n)s", n));
    pagesBox.appendChild(slot);
    slots.push(slot);
  }
  say("");

  const rendering = new Map();
  async function draw(slot) {
    const n = Number(slot.dataset.page);
    if (slot.querySelector("canvas") || rendering.has(n)) { return; }
    const page = await pdf.getPage(n);
    const viewport = page.getViewport({ scale });
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    slot.style.height = canvas.style.height;
    const task = page.render({ canvas, viewport, transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0] });
    rendering.set(n, task);
    try {
      await task.promise;
      slot.appendChild(canvas);
      slot.classList.add("rendered");
    } catch (error) { /* cancelled: drawn again when it comes back */ } finally {
      rendering.delete(n);
    }
  }
  function forget(slot) {
    const n = Number(slot.dataset.page);
    rendering.get(n)?.cancel();
    slot.querySelector("canvas")?.remove();
    slot.classList.remove("rendered");
  }

  // Draw pages a screen ahead; let go of those far away, so 200 pages do not fill the memory.
  const near = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting) { draw(entry.target); } else { forget(entry.target); }
    }
  }, { rootMargin: "150% 0px" });

  const dwell = new Map();
  const seen = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const n = Number(entry.target.dataset.page);
      const shown = entry.intersectionRect.height /
        Math.min(entry.boundingClientRect.height, entry.rootBounds?.height || Infinity);
      if (entry.isIntersecting && shown >= 0.5) {
        field("current").textContent = n;
        if (!dwell.has(n)) { dwell.set(n, setTimeout(() => markViewed(n), DWELL_MS)); }
      } else if (dwell.has(n)) {
        clearTimeout(dwell.get(n));
        dwell.delete(n);
      }
    }
  }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
  for (const slot of slots) { near.observe(slot); seen.observe(slot); }
  box.dataset.ready = "true";
}

if (box) {
  window.addEventListener("pagehide", flushNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") { flushNow(); }
  });
  for (const form of document.querySelectorAll("form[data-flush-pages]")) {
    form.addEventListener("submit", flushNow);
  }
  start().catch((error) => {
    say(box.dataset.errorText);
    box.dataset.error = String(error);
  });
}
