// The portal's viewer, in two modes. A downloadable copy: PDF.js (served from our own static
// files) draws each page on a canvas when it comes near the screen, with a text layer over it
// so its text can be selected and searched. A view-only (MẬT) copy: the browser never gets the
// PDF, only page images the server renders and watermarks for this view, loaded as they come
// near the screen; they stay images, with no text. Either way the pages a delegate actually
// looked at are reported in batches: every few seconds with fetch(), and with a beacon when the
// page is left. The viewer's first request for the copy carries the page's view ticket, which
// is what records the opening. Zoom (fit width, fit page, +/−), the page counter and keyboard
// navigation work the same in both modes. Text shown to the user comes translated from data-
// attributes.

const box = document.getElementById("viewer");
const bar = document.querySelector(".viewer-bar");
const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
const FLUSH_EVERY_MS = 2000;
const DWELL_MS = 400; // a page counts as viewed after showing this long, not when scrolled past
const CSS_PER_POINT = 96 / 72; // 100 % shows a page at its printed size
const ZOOM_STEPS = [0.25, 0.33, 0.5, 0.67, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4];
const MAX_WIDTH = 980; // fit width never draws a page wider than this on a large screen
const GAP = 8; // room kept between the toolbar and a page brought to the top

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

// --- the pages, their size and the zoom -----------------------------------------------------

// What every page is drawn at: `scale` CSS pixels per PDF point; `fit` is "width", "page" or
// null once the delegate chose a zoom of their own.
const view = { scale: 1, fit: "width", pageWidth: 595, pageHeight: 842, slots: [] };
let redraw = () => {}; // set by the mode: draw again the pages near the screen at the new scale

function pagesBox() { return field("pages"); }

function barHeight() { return bar ? bar.getBoundingClientRect().height : 0; }

function fitScale(fit) {
  const room = pagesBox().clientWidth - 2;
  const byWidth = Math.min(room, MAX_WIDTH) / view.pageWidth;
  if (fit !== "page") { return byWidth; }
  const height = window.innerHeight - barHeight() - 3 * GAP;
  return Math.min(byWidth, height / view.pageHeight);
}

function showZoom() {
  const zoom = field("zoom");
  if (zoom) { zoom.textContent = `${Math.round((view.scale / CSS_PER_POINT) * 100)} %`; }
  for (const button of document.querySelectorAll("[data-zoom]")) {
    const kind = button.dataset.zoom;
    if (kind === "width" || kind === "page") {
      button.setAttribute("aria-pressed", String(view.fit === kind));
    }
  }
}

function sizeSlots() {
  const width = Math.floor(view.pageWidth * view.scale);
  const height = Math.floor(view.pageHeight * view.scale);
  for (const slot of view.slots) {
    slot.style.width = `${width}px`;
    slot.style.height = `${height}px`;
    slot.style.setProperty("--scale-factor", String(view.scale));
  }
}

function setScale(scale, fit) {
  const keep = readingAt();
  view.scale = Math.min(Math.max(scale, ZOOM_STEPS[0] * CSS_PER_POINT),
                        ZOOM_STEPS[ZOOM_STEPS.length - 1] * CSS_PER_POINT);
  view.fit = fit;
  sizeSlots();
  showZoom();
  redraw();
  goToPage(keep.page, { within: keep.within });
}

function zoom(kind) {
  if (kind === "width" || kind === "page") { setScale(fitScale(kind), kind); return; }
  const now = view.scale / CSS_PER_POINT;
  const steps = kind === "in" ? ZOOM_STEPS.filter((s) => s > now * 1.1) // a step one can see
    : ZOOM_STEPS.filter((s) => s < now / 1.1).reverse();
  if (steps.length) { setScale(steps[0] * CSS_PER_POINT, null); }
}

function makeSlots(count) {
  const slots = [];
  for (let n = 1; n <= count; n++) {
    const slot = document.createElement("div");
    slot.className = "pdf-page";
    slot.dataset.page = n;
    slot.setAttribute("role", "group"); // a landmark per page would drown the real ones
    slot.setAttribute("aria-label", box.dataset.pageLabel.replace("%(n)s", n));
    pagesBox().appendChild(slot);
    slots.push(slot);
  }
  view.slots = slots;
  view.scale = fitScale("width");
  sizeSlots();
  showZoom();
  return slots;
}

// --- the page counter and moving between pages ---------------------------------------------

// The page the delegate is reading: the one taking up most of the screen below the toolbar;
// the last one once the end of the document is reached.
function currentPage() {
  const top = barHeight();
  const bottom = window.innerHeight;
  const end = document.documentElement.scrollHeight - window.innerHeight;
  if (window.scrollY > 0 && window.scrollY >= end - 1 && view.slots.length) {
    const last = view.slots[view.slots.length - 1].getBoundingClientRect();
    if (last.top < bottom && last.bottom > top) { return view.slots.length; }
  }
  let best = 1;
  let most = -1;
  for (const slot of view.slots) {
    const rect = slot.getBoundingClientRect();
    if (rect.bottom < top) { continue; }
    if (rect.top > bottom) { break; }
    const shown = Math.min(rect.bottom, bottom) - Math.max(rect.top, top);
    if (shown > most + 1) { most = shown; best = Number(slot.dataset.page); }
  }
  return best;
}

function showCurrent(n = currentPage()) {
  const current = field("current");
  if (current.textContent !== String(n)) { current.textContent = n; }
  box.dataset.currentPage = n;
}

// Where the reader is: the current page, and how far down it the toolbar's edge sits (0..1).
function readingAt() {
  const page = currentPage();
  const rect = view.slots[page - 1]?.getBoundingClientRect();
  const within = rect ? Math.min(Math.max((barHeight() + GAP - rect.top) / rect.height, 0), 1) : 0;
  return { page, within };
}

function goToPage(n, { within = 0 } = {}) {
  const count = view.slots.length;
  if (!count) { return; }
  const page = Math.min(Math.max(n, 1), count);
  const slot = view.slots[page - 1];
  const rect = slot.getBoundingClientRect();
  const top = rect.top + rect.height * within + window.scrollY - barHeight() - GAP;
  window.scrollTo({ top: Math.max(top, 0), behavior: "instant" });
  showCurrent(page);
}

function watchScrolling() {
  let queued = false;
  window.addEventListener("scroll", () => {
    if (queued) { return; }
    queued = true;
    requestAnimationFrame(() => { queued = false; showCurrent(); });
  }, { passive: true });
  let width = pagesBox().clientWidth;
  window.addEventListener("resize", () => { // not when a phone's address bar comes and goes
    if (pagesBox().clientWidth === width) { return; }
    width = pagesBox().clientWidth;
    if (view.fit) { setScale(fitScale(view.fit), view.fit); }
  });
}

const KEYS = {
  PageDown: (n) => n + 1, ArrowRight: (n) => n + 1, ArrowDown: (n) => n + 1,
  PageUp: (n) => n - 1, ArrowLeft: (n) => n - 1, ArrowUp: (n) => n - 1,
  Home: () => 1, End: () => view.slots.length,
};

function watchKeys() {
  document.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "f" && openFind()) {
      event.preventDefault();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) { return; }
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) { return; }
    if ((event.key === "ArrowUp" || event.key === "ArrowDown") && pageTallerThanScreen()) {
      return; // zoomed in: the arrows scroll within the page as usual
    }
    const move = KEYS[event.key];
    if (!move) {
      if (event.key === "+" || event.key === "=") { zoom("in"); event.preventDefault(); }
      if (event.key === "-") { zoom("out"); event.preventDefault(); }
      return;
    }
    event.preventDefault();
    goToPage(move(Number(field("current").textContent) || 1));
  });
}

function pageTallerThanScreen() {
  return view.pageHeight * view.scale > window.innerHeight - barHeight();
}

function watchToolbar() {
  for (const button of document.querySelectorAll("[data-zoom]")) {
    button.addEventListener("click", () => zoom(button.dataset.zoom));
  }
  for (const hidden of document.querySelectorAll("[data-needs-script]")) {
    hidden.hidden = false;
  }
}

// --- text search (downloadable copies only: a MẬT copy has no text in the browser) --------

// One character folded for matching: lower case, without its diacritics (so "kinh te" finds
// "kinh tế"), always one UTF-16 unit for one, so positions in the folded text are positions in
// the page's own text.
function fold(text) {
  let out = "";
  for (const char of text) {
    const base = char === "đ" || char === "Đ" ? "d" : char.normalize("NFD")[0].toLowerCase();
    out += char.length === 1 && base.length === 1 ? base : char;
  }
  return out;
}

const find = {
  query: "", matches: [], index: -1, pdf: null, texts: new Map(), layers: new Map(), token: 0,
};

async function pageText(n) {
  if (!find.texts.has(n)) {
    find.texts.set(n, find.pdf.getPage(n).then((page) => page.getTextContent()).then(
      (content) => content.items.filter((item) => item.str !== undefined).map((item) => item.str)));
  }
  return find.texts.get(n);
}

// Matches of the query in one page's text items: [{page, item, start, end}], in reading order;
// a match across two items is cut in two parts sharing one number.
function matchesIn(n, strings, folded) {
  const found = [];
  const joined = fold(strings.join(""));
  const starts = [];
  let offset = 0;
  for (const text of strings) { starts.push(offset); offset += text.length; }
  let at = joined.indexOf(folded);
  while (at !== -1 && folded) {
    const parts = [];
    const end = at + folded.length;
    strings.forEach((text, i) => {
      const from = Math.max(at, starts[i]);
      const to = Math.min(end, starts[i] + text.length);
      if (from < to) { parts.push({ item: i, start: from - starts[i], end: to - starts[i] }); }
    });
    found.push({ page: n, parts });
    at = joined.indexOf(folded, end);
  }
  return found;
}

async function search(query) {
  if (!find.pdf) { return; } // still loading: the box is searched once the copy is here
  const token = ++find.token;
  find.query = query;
  const folded = fold(query.trim());
  const all = [];
  if (folded) {
    for (let n = 1; n <= view.slots.length; n++) {
      const strings = await pageText(n);
      if (token !== find.token) { return; } // a newer query took over
      all.push(...matchesIn(n, strings, folded));
    }
  }
  find.matches = all;
  const here = currentPage();
  const next = all.findIndex((match) => match.page >= here);
  find.index = all.length ? Math.max(next, 0) : -1;
  showMatches(true);
}

function step(by) {
  if (!find.matches.length) { return; }
  find.index = (find.index + by + find.matches.length) % find.matches.length;
  showMatches(true);
}

function showMatches(reveal) {
  const count = field("find-count");
  if (count) {
    const total = find.matches.length;
    count.textContent = !find.query.trim() ? ""
      : total ? box.dataset.findCount.replace("%(n)s", find.index + 1).replace("%(total)s", total)
        : box.dataset.findNone;
    count.dataset.total = String(total);
  }
  for (const [n, layer] of find.layers) { highlight(n, layer); }
  const match = find.matches[find.index];
  if (reveal && match) {
    const selected = document.querySelector(".textLayer .highlight.selected");
    if (selected) {
      selected.scrollIntoView({ block: "center", inline: "nearest" });
      showCurrent();
    } else {
      goToPage(match.page); // drawn there, then highlighted and brought into view
      find.revealPending = true;
    }
  }
}

// Rebuild one page's highlighted runs from the text layer's own strings.
function highlight(n, layer) {
  const { divs, strings } = layer;
  const marks = new Map(); // item → [[start, end, selected]]
  find.matches.forEach((match, i) => {
    if (match.page !== n) { return; }
    for (const part of match.parts) {
      if (!marks.has(part.item)) { marks.set(part.item, []); }
      marks.get(part.item).push([part.start, part.end, i === find.index]);
    }
  });
  for (const i of layer.marked) {
    if (!marks.has(i) && divs[i]) { divs[i].textContent = strings[i]; }
  }
  layer.marked = new Set(marks.keys());
  for (const [i, ranges] of marks) {
    const div = divs[i];
    if (!div) { continue; }
    const text = strings[i];
    div.textContent = "";
    let at = 0;
    for (const [start, end, selected] of ranges) {
      if (start > at) { div.append(text.slice(at, start)); }
      const mark = document.createElement("span");
      mark.className = selected ? "highlight selected" : "highlight";
      mark.textContent = text.slice(start, end);
      div.append(mark);
      at = end;
    }
    if (at < text.length) { div.append(text.slice(at)); }
  }
}

function watchFind() {
  const form = document.getElementById("viewer-find");
  const input = field("find");
  if (!form || !input) { return; }
  let typing = null;
  input.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => search(input.value), 250);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (input.value !== find.query) { search(input.value); } else { step(1); }
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      if (input.value !== find.query) { search(input.value); } else { step(event.shiftKey ? -1 : 1); }
    } else if (event.key === "Escape") {
      input.value = "";
      search("");
      bar.classList.remove("find-open");
      document.querySelector("[data-action=toggle-find]")?.setAttribute("aria-expanded", "false");
    }
  });
  for (const button of form.querySelectorAll("[data-find]")) {
    button.addEventListener("click", () => {
      if (input.value !== find.query) { search(input.value); return; }
      step(button.dataset.find === "prev" ? -1 : 1);
    });
  }
  const toggle = document.querySelector("[data-action=toggle-find]");
  toggle?.addEventListener("click", () => {
    const open = !bar.classList.contains("find-open");
    bar.classList.toggle("find-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    if (open) { input.focus(); }
  });
}

function openFind() {
  const input = field("find");
  if (!input) { return false; }
  bar.classList.add("find-open");
  document.querySelector("[data-action=toggle-find]")?.setAttribute("aria-expanded", "true");
  input.focus();
  input.select();
  return true;
}

// --- a downloadable copy: PDF.js ------------------------------------------------------------

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
  find.pdf = pdf;
  box.dataset.pageCount = pdf.numPages;
  field("total").textContent = pdf.numPages;

  const first = await pdf.getPage(1);
  const base = first.getViewport({ scale: 1 });
  view.pageWidth = base.width;
  view.pageHeight = base.height;
  const slots = makeSlots(pdf.numPages);
  say("");
  const typed = field("find")?.value;
  if (typed) { setTimeout(() => search(typed)); } // typed while the copy was loading

  const drawn = new Map(); // page → the scale its canvas was drawn at
  const rendering = new Map();
  async function draw(slot) {
    const n = Number(slot.dataset.page);
    if (drawn.get(n) === view.scale || rendering.has(n)) { return; }
    const scale = view.scale;
    const page = await pdf.getPage(n);
    const viewport = page.getViewport({ scale });
    const ratio = window.devicePixelRatio || 1;
    const canvas = document.createElement("canvas");
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.setAttribute("aria-hidden", "true");
    const task = page.render({ canvas, viewport,
      transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0] });
    rendering.set(n, task);
    try {
      await task.promise;
    } catch (error) { /* cancelled: drawn again when it comes back */
      rendering.delete(n);
      return;
    }
    rendering.delete(n);
    if (scale !== view.scale) { draw(slot); return; } // zoomed while drawing
    const layerBox = document.createElement("div");
    layerBox.className = "textLayer";
    const text = new pdfjs.TextLayer({ textContentSource: page.streamTextContent(),
      container: layerBox, viewport });
    slot.querySelector("canvas")?.remove();
    slot.querySelector(".textLayer")?.remove();
    slot.prepend(canvas);
    slot.appendChild(layerBox);
    slot.classList.add("rendered");
    drawn.set(n, scale);
    try {
      await text.render();
    } catch (error) { return; } // the page was let go meanwhile
    const layer = { divs: text.textDivs, strings: text.textContentItemsStr, marked: new Set() };
    find.layers.set(n, layer);
    highlight(n, layer);
    if (find.revealPending && find.matches[find.index]?.page === n) {
      find.revealPending = false;
      slot.querySelector(".highlight.selected")?.scrollIntoView({ block: "center" });
    }
  }
  function forget(slot) {
    const n = Number(slot.dataset.page);
    rendering.get(n)?.cancel();
    slot.querySelector("canvas")?.remove();
    slot.querySelector(".textLayer")?.remove();
    slot.classList.remove("rendered");
    drawn.delete(n);
    find.layers.delete(n);
  }
  redraw = () => {
    for (const slot of slots) {
      if (slot.dataset.near === "true") { draw(slot); }
    }
  };
  watchPages(slots, draw, forget);
}

// --- a view-only copy: page images ------------------------------------------------------------

// An <img> per page, its source set when the page comes near the screen. The images are sent
// "no-store", so a page scrolled far away is let go and fetched again later.
const A4 = { width: 595, height: 842 };
const RETRY_MS = 3000;

function startImages() {
  const count = Number(box.dataset.pageCount);
  view.pageWidth = A4.width;
  view.pageHeight = A4.height;
  const slots = makeSlots(count);
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
      slot.classList.add("rendered");
      const ratio = image.naturalHeight / image.naturalWidth;
      if (Math.abs(ratio - view.pageHeight / view.pageWidth) > 0.01) { // not A4: the real shape
        view.pageHeight = view.pageWidth * ratio;
        sizeSlots();
      }
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
    image.remove();
    slot.classList.remove("rendered");
  }
  // A page image is only ever a view: no context menu to save it, no dragging it out.
  pagesBox().addEventListener("contextmenu", (event) => event.preventDefault());
  redraw = () => {}; // an image follows its slot's size
  watchPages(slots, draw, forget);
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
        if (!dwell.has(n)) { dwell.set(n, setTimeout(() => markViewed(n), DWELL_MS)); }
      } else if (dwell.has(n)) {
        clearTimeout(dwell.get(n));
        dwell.delete(n);
      }
    }
  }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
  for (const slot of slots) { near.observe(slot); seen.observe(slot); }
  watchScrolling();
  showCurrent();
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
  watchToolbar();
  watchKeys();
  watchFind();
  const start = box.dataset.mode === "images" ? startImages : startPdf;
  Promise.resolve().then(start).catch((error) => {
    say(box.dataset.errorText);
    box.dataset.error = String(error);
  });
}
