// The portal's viewer, in two modes. A downloadable copy: PDF.js (served from our own static
// files) draws each page on a canvas when it comes near the screen. A view-only (MẬT) copy:
// the browser never gets the PDF, only page images the server renders and watermarks for this
// view, loaded as they come near the screen. Either way the pages a delegate actually looked
// at are reported in batches: every few seconds with fetch(), and with a beacon when the page
// is left. The viewer's first request for the copy carries the page's view ticket, which is
// what records the opening. Text shown to the user comes translated from data- attributes.

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

async function startPdf() {
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
  const slots = makeSlots(pdf.numPages, Math.floor(base.width * scale),
                          Math.floor(base.height * scale));
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
  watchPages(slots, draw, forget);
}

// View-only: an <img> per page, its source set when the page comes near the screen. The
// images are sent "no-store", so a page scrolled far away is let go and fetched again later.
const A4_RATIO = 1754 / 1240;
const RETRY_MS = 3000;

function startImages() {
  const count = Number(box.dataset.pageCount);
  const pagesBox = field("pages");
  const width = Math.min(pagesBox.clientWidth - 2, 980);
  const slots = makeSlots(count, width, Math.floor(width * A4_RATIO));
  let ticket = box.dataset.ticket;
  say("");

  function draw(slot) {
    if (slot.querySelector("img")) { return; }
    const n = Number(slot.dataset.page);
    const image = document.createElement("img");
    image.alt = slot.getAttribute("aria-label");
    image.decoding = "async";
    image.draggable = false;
    image.addEventListener("load", () => {
      slot.style.height = "auto";
      slot.classList.add("rendered");
    });
    let url = box.dataset.pageUrl.replace("{n}", n);
    const carried = ticket;
    if (carried) { url += `?ticket=${encodeURIComponent(carried)}`; ticket = ""; }
    image.addEventListener("error", () => {
      if (carried) { ticket = carried; } // the opening is recorded by the next try
      image.remove(); // too many pages at once, or the network: tried again in a moment
      setTimeout(() => { if (slot.dataset.near === "true") { draw(slot); } }, RETRY_MS);
    });
    image.src = url;
    slot.appendChild(image);
  }
  function forget(slot) {
    const image = slot.querySelector("img");
    if (!image) { return; }
    slot.style.height = `${slot.getBoundingClientRect().height}px`;
    image.remove();
    slot.classList.remove("rendered");
  }
  // A page image is only ever a view: no context menu to save it, no dragging it out.
  pagesBox.addEventListener("contextmenu", (event) => event.preventDefault());
  watchPages(slots, draw, forget);
}

function makeSlots(count, width, height) {
  const pagesBox = field("pages");
  const slots = [];
  for (let n = 1; n <= count; n++) {
    const slot = document.createElement("div");
    slot.className = "pdf-page";
    slot.dataset.page = n;
    slot.style.width = `${width}px`;
    slot.style.height = `${height}px`;
    slot.setAttribute("aria-label", box.dataset.pageLabel.replace("%(n)s", n));
    pagesBox.appendChild(slot);
    slots.push(slot);
  }
  return slots;
}

// Draw pages a screen ahead; let go of those far away, so 200 pages do not fill the memory.
// A page counts as viewed once at least half of it (or of the screen) shows for DWELL_MS.
function watchPages(slots, draw, forget) {
  const near = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      entry.target.dataset.near = String(entry.isIntersecting);
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
  const start = box.dataset.mode === "images" ? startImages : startPdf;
  Promise.resolve().then(start).catch((error) => {
    say(box.dataset.errorText);
    box.dataset.error = String(error);
  });
}
