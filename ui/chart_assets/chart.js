// The browser side of ui/chart.py: one plotly plot per chart key, mounted once and updated with Plotly.react.
// Loaded once per tab (an ES module), so the parts held and plotly.js itself survive reruns and remounts.

const held = new Map();   // chart key -> Map(part name -> part): the traces, templates and frames this tab holds
let plotlyLoading = null;
const SPEEDS = [0.25, 0.5, 1, 2, 4];

function loadPlotly(url) {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(url, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { plotlyLoading = null; reject(new Error(`plotly.js did not load from ${url}`)); };
      document.head.appendChild(script);
    });
  }
  return plotlyLoading;
}

function keep(data) {
  const mine = held.get(data.key) || new Map();
  for (const [name, part] of Object.entries(data.parts)) mine.set(name, part);
  held.set(data.key, mine);
}

// The figure from the parts held, or the names of the parts missing (the server then sends them all).
function assemble(data) {
  const mine = held.get(data.key);
  const names = [...data.traces, data.template, data.frames].filter(Boolean);
  const missing = names.filter((n) => !mine.has(n));
  if (missing.length) return { missing };
  held.set(data.key, new Map(names.map((n) => [n, mine.get(n)])));   // the server forgets the rest too
  return {
    traces: data.traces.map((n) => mine.get(n)),
    template: data.template && mine.get(data.template),
    frames: data.frames ? mine.get(data.frames) : [],
  };
}

function mount(parent, speedLabel) {
  let box = parent.querySelector(":scope > .gl-chart");
  if (box) return box;
  box = document.createElement("div");
  box.className = "gl-chart";
  box.style.width = "100%";
  box.innerHTML = `<div class="gl-bar" style="display:none;font-size:0.9rem;margin-bottom:2px">
      <label><span class="gl-speed-label"></span> <select class="gl-speed">${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? " selected" : ""}>${s}×</option>`).join("")}</select></label>
    </div><div class="gl-plot" style="width:100%"></div>`;
  box.querySelector(".gl-speed-label").textContent = speedLabel || "Animation speed";   // the page's language
  parent.appendChild(box);
  box.plot = box.querySelector(".gl-plot");
  box.speed = box.querySelector(".gl-speed");
  box.queue = Promise.resolve();
  redrawOnNewWidth(box);
  return box;
}

// The layout is fitted to the chart's width (title lines, map heights, a phone's colour bars): a chart drawn in a tab
// not shown (width 0), or a window turned or resized, is drawn again for the width it has now.
function redrawOnNewWidth(box) {
  new ResizeObserver(() => {
    const width = box.clientWidth;
    if (!width || !box.latest || Math.abs(width - (box.drawnWidth ?? 0)) < 40) return;
    box.queue = box.queue.then(() => render(box, box.latest)).catch((e) => console.error("chart", e));
  }).observe(box);
}

// Plotly's own animate with redraw false erases contour lines (plotly.js #4491) and a redraw per frame costs a
// contour's worth of drawing: its Play and Pause buttons become "skip" buttons and the frames are played here.
// Plotly draws the first frame, the next ones move the SVG of the traces they name, and plotly draws the last.
function withOwnPlayer(menus) {
  return (menus || []).map((menu) => ({
    ...menu,
    buttons: (menu.buttons || []).map((b) => (b.method === "animate" ? { ...b, method: "skip" } : b)),
  }));
}

function frameMs(menus) {
  for (const menu of menus || []) {
    for (const b of menu.buttons || []) {
      const ms = b.method === "animate" && b.args && b.args[1] && b.args[1].frame && b.args[1].frame.duration;
      if (ms) return ms;
    }
  }
  return 60;
}

// A frame's annotations (the sweep's arrow u and its label) drawn where the frame puts them by moving their SVG:
// a plotly relayout per frame redraws the whole contour map. Arrows turn about their tail, labels move.
function pixel(gd, ref, v) {
  const axis = gd._fullLayout[ref.replace(/^([xy])/, "$1axis")];
  return axis._offset + axis.c2p(v);
}

function moveArrows(box, frame) {
  const gd = box.plot, drawn = gd._fullLayout.annotations || [];
  (frame.layout.annotations || []).forEach((a, i) => {
    const g = gd.querySelector(`.annotation[data-index="${i}"]`), now = drawn[i];
    if (!g || !now) return;
    const at = (x, y, ann) => [pixel(gd, ann.xref, x) + (ann.xshift || 0), pixel(gd, ann.yref, y) - (ann.yshift || 0)];
    const [x0, y0] = at(now.x, now.y, now), [x1, y1] = at(a.x, a.y, { ...now, ...a });
    if (now.showarrow) {
      const [tx, ty] = at(now.ax, now.ay, { ...now, xshift: 0, yshift: 0 });
      const turn = (Math.atan2(y1 - ty, x1 - tx) - Math.atan2(y0 - ty, x0 - tx)) * 180 / Math.PI;
      g.setAttribute("transform", `rotate(${turn} ${tx} ${ty})`);
    } else {
      g.setAttribute("transform", `translate(${x1 - x0} ${y1 - y0})`);
    }
  });
}

function unmoveArrows(box) {
  box.plot.querySelectorAll(".annotation[transform]").forEach((g) => g.removeAttribute("transform"));
}

async function showFrame(box, Plotly, frame) {
  if (frame.home) unmoveArrows(box);
  else if (frame.layout) moveArrows(box, frame);
  for (const [j, index] of (frame.traces || []).entries()) {
    const update = Object.fromEntries(Object.entries(frame.data[j]).filter(([attr]) => attr !== "type").map(([attr, v]) => [attr, [v]]));
    await Plotly.restyle(box.plot, update, [index]);
  }
}

// Move the markers and labels of a frame's scatter traces where the frame puts them, without a plotly redraw.
function moveTo(box, frame) {
  const gd = box.plot;
  const groups = Array.from(gd.querySelectorAll(".scatterlayer .trace"));
  for (const [j, index] of (frame.traces || []).entries()) {
    const d = frame.data[j], trace = gd._fullData[index];
    const g = groups.find((el) => el.__data__ && el.__data__[0] && el.__data__[0].trace.index === index);
    if (!g || !trace) continue;
    const xa = gd._fullLayout[trace.xaxis.replace("x", "xaxis")], ya = gd._fullLayout[trace.yaxis.replace("y", "yaxis")];
    const at = (m) => [xa.c2p(d.x[m]), ya.c2p(d.y[m])];
    g.querySelectorAll(".points path.point").forEach((point, m) => {
      const [px, py] = at(m);
      point.style.display = Number.isFinite(px) && Number.isFinite(py) ? "" : "none";
      point.setAttribute("transform", `translate(${px},${py})`);
    });
    g.querySelectorAll(".text .textpoint").forEach((label, m) => {
      const [px, py] = at(m), x0 = xa.c2p(trace.x[m]), y0 = ya.c2p(trace.y[m]);   // where plotly drew it
      label.setAttribute("transform", `translate(${px - x0},${py - y0})`);
      if (d.text) label.querySelector("text").textContent = d.text[m];
    });
  }
}

function stop(box) {
  unmoveArrows(box);
  box.playing = null;
  clearTimeout(box.timer);
  box.plot.dataset.playing = "0";
}

// Only the SVG of 2-D scatter traces can be moved without plotly; a 3-D trace's frame is a restyle.
function movable(box, frame) {
  return (frame.traces || []).every((i) => box.plot._fullData[i] && box.plot._fullData[i].type === "scatter");
}

// The figure's own values of what the frames change: shown again after a play that says "restore" (the θ sweep).
function homeFrame(box) {
  const first = box.frames[0], traces = first.traces || [];
  const data = traces.map((i, j) => Object.fromEntries(Object.keys(first.data[j]).map((a) => [a, box.plot.data[i][a]])));
  return { traces, data, home: true };
}

// Play the frames; `options` (from the button pressed, here or on another chart of its group): ms, speed, restore.
async function play(box, Plotly, options = {}) {
  stop(box);
  const frames = box.frames, token = {};
  if (!frames.length) return;
  const home = options.restore ? homeFrame(box) : null;
  const ms = () => (options.ms || box.frameMs) / Number(options.speed || box.speed.value);
  box.playing = token;
  box.plot.dataset.playing = "1";
  await showFrame(box, Plotly, frames[0]);
  let k = 1;
  const step = async () => {
    if (box.playing !== token) return;
    if (k >= frames.length - 1) {
      stop(box);
      await showFrame(box, Plotly, home || frames[frames.length - 1]);
      box.plot.dataset.played = String(Number(box.plot.dataset.played || 0) + 1);
      return;
    }
    if (frames[k].layout) moveArrows(box, frames[k]);
    if (movable(box, frames[k])) moveTo(box, frames[k]);
    else await showFrame(box, Plotly, frames[k]);
    box.shown = k++;
    box.timer = setTimeout(step, ms());
  };
  box.shown = 0;
  box.timer = setTimeout(step, ms());
}

// A button whose args name a group plays every chart of the page whose layout.meta.play_group is that group.
function playGroup(box, Plotly, settings) {
  const options = { ms: frameMs(box.latest.layout.updatemenus), speed: box.speed.value, restore: !!settings.restore };
  play(box, Plotly, options);
  if (settings.group) document.dispatchEvent(new CustomEvent("gl-play", { detail: { group: settings.group, from: box, options } }));
}

async function pause(box, Plotly) {
  if (!box.playing) return;
  stop(box);
  await showFrame(box, Plotly, box.frames[box.shown]);     // plotly's own data (hover, legend) at the frame shown
}

function bindEvents(box, Plotly) {
  if (box.bound) return;
  box.bound = true;
  box.plot.on("plotly_click", (event) => {
    if (!box.latest.clickable) return;                  // a click reruns the script only where a page asked for it
    const points = event.points.map((p) => ({ x: p.x, y: p.y, z: p.z, curve_number: p.curveNumber, point_index: p.pointIndex }));
    box.setTrigger("click", { points });
  });
  box.plot.on("plotly_buttonclicked", (event) => {
    const args = event.button && event.button.args;
    if (args && args[0] === null) playGroup(box, Plotly, args[1] || {});
    else pause(box, Plotly);
  });
  document.addEventListener("gl-play", (event) => {
    const { group, from, options } = event.detail;
    if (from !== box && box.isConnected && (box.latest.layout.meta || {}).play_group === group) play(box, Plotly, options);
  });
}

// ---- the house style, applied to every figure in one place -------------------------------------------------
// Type: the page's own font, text in #111 (contrast about 18:1 on white), tick labels at least 14 px (16 px in the
// presenter view, which ui/present.py marks with an element of class st-key-gl_presenter).
const TEXT_COLOR = "#111111";
const TOOLBAR_PX = 30;                                   // plotly's toolbar strip at the top right

function presenting() {
  return !!document.querySelector(".st-key-gl_presenter");
}

function atLeast(font, size) {
  return { ...(font || {}), size: Math.max((font && font.size) || 0, size) };
}

function axisNames(layout) {
  return Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
}

function minimumType(layout, traces) {
  const tick = presenting() ? 16 : 14;
  for (const name of axisNames(layout)) layout[name] = { ...layout[name], tickfont: atLeast(layout[name].tickfont, tick) };
  for (const scene of Object.keys(layout).filter((k) => /^scene\d*$/.test(k))) {
    for (const a of ["xaxis", "yaxis", "zaxis"]) {
      const axis = layout[scene][a] || {};
      layout[scene] = { ...layout[scene], [a]: { ...axis, tickfont: atLeast(axis.tickfont, tick) } };
    }
  }
  if (layout.legend) layout.legend = { ...layout.legend, font: atLeast(layout.legend.font, tick) };
  return traces.map((t) => (t.colorbar ? { ...t, colorbar: { ...t.colorbar, tickfont: atLeast(t.colorbar.tickfont, tick) } } : t));
}

// Words of the title in lines that fit `width` px (plotly does not wrap titles).
function wrapWords(text, width, font) {
  const ctx = (wrapWords.canvas ||= document.createElement("canvas")).getContext("2d");
  ctx.font = font;
  const lines = [];
  for (const word of text.split(" ")) {
    const last = lines.length ? `${lines[lines.length - 1]} ${word}` : word;
    if (lines.length && ctx.measureText(last).width <= width) lines[lines.length - 1] = last;
    else lines.push(word);
  }
  return lines;
}

// A bold title in the page's font, wrapped to the chart's width and set below the toolbar when it would reach it.
function fitTitle(box, layout, family) {
  const title = typeof layout.title === "string" ? { text: layout.title } : { ...(layout.title || {}) };
  if (!title.text || title.text.includes("<br>")) return;
  const size = (title.font && title.font.size) || Math.round(1.3 * ((layout.font && layout.font.size) || 16));
  const width = box.clientWidth - (window.innerWidth < PHONE_PX ? 40 : 16), font = `700 ${size}px ${family}`;   // a phone: no edge
  const lines = wrapWords(title.text, width, font);
  const free = wrapWords(title.text, width - 9 * TOOLBAR_PX, font).length === 1;   // clear of the toolbar
  const top = free ? 6 : TOOLBAR_PX, height = lines.length * size * 1.25;
  const margin = layout.margin || {};
  const extra = Math.max(0, top + height + 8 - (margin.t ?? 50) + (layout.updatemenus ? 45 : 0));
  layout.title = { ...title, text: lines.join("<br>"), font: { ...(title.font || {}), size, weight: 700, color: TEXT_COLOR },
                   yref: "container", y: 1 - top / (layout.height || 450), yanchor: "top", x: title.x ?? 0.01 };
  layout.margin = { ...margin, t: (margin.t ?? 50) + extra };
  layout.height = (layout.height || 450) + extra;       // the plot keeps its size, the chart grows
}

// Square maps (equal axis scales) and 3-D scenes are as tall as their width allows, up to most of the window.
function fitHeight(box, layout) {
  const square = layout.scene || Object.values(layout).some((v) => v && typeof v === "object" && v.scaleanchor);
  if (!square) return;
  const tall = Math.min(0.85 * box.clientWidth, 0.85 * window.innerHeight);
  layout.height = Math.max(layout.height || 450, Math.round(tall));
}

const PHONE_PX = 640;                                     // a window narrower than this is a phone (columns stack)
const BAR_PX = 62;                                        // a horizontal colour bar with its ticks and title

const MAP_TRACES = ["contour", "heatmap", "histogram2d", "histogram2dcontour"];

// A 2-D map: equal axis scales, or a contour or heat map (the phase diagram).
function isMap(layout, traces) {
  return !layout.scene && (Object.values(layout).some((v) => v && typeof v === "object" && v.scaleanchor)
                           || traces.some((t) => MAP_TRACES.includes(t.type)));
}

const MAP_MIN_PX = 320;                                   // the least width of a map's plot area on a phone
const Y_TICKS_PX = 75;                                    // what y tick labels and the y title take beside a map

// On a phone a 2-D map keeps the width: its colour bars go under the x axis (stacked, above a legend pinned to the
// chart's bottom) instead of beside it, and the chart grows by their height so the equal axis scales do not shrink it.
function phoneMap(box, layout, traces) {
  if (!box.clientWidth || window.innerWidth >= PHONE_PX || !isMap(layout, traces)) return traces;
  const bars = traces.filter((t) => t.colorbar && t.showscale !== false);
  const margin = { t: 50, b: 40, ...(layout.margin || {}) };
  margin.r = Math.min(margin.r ?? 10, 10);
  const side = box.clientWidth - 60 - margin.r;            // the width left by the y axis's ticks and title
  layout.height = Math.max(layout.height || 450, Math.round(side + margin.t + margin.b + 40)) + bars.length * BAR_PX;
  layout.margin = margin;
  if (box.clientWidth - Y_TICKS_PX - margin.r < MAP_MIN_PX) {       // y ticks outside would leave under MAP_MIN_PX
    layout.yaxis = { ...(layout.yaxis || {}), ticklabelposition: "inside" };
  }
  const plotHeight = layout.height - margin.t - margin.b - bars.length * BAR_PX;
  return traces.map((t) => {
    const i = bars.indexOf(t);
    if (i < 0) return t;
    const title = typeof t.colorbar.title === "string" ? { text: t.colorbar.title } : { ...(t.colorbar.title || {}) };
    return { ...t, colorbar: { ...t.colorbar, orientation: "h", len: 1, lenmode: "fraction", x: 0.5, xanchor: "center",
                               y: -(72 + i * BAR_PX) / plotHeight, yanchor: "top", yref: "paper", thickness: 12,
                               title: { ...title, side: "top" } } };
  });
}


// After drawing a map on a phone: long y tick labels move inside the plot when they leave it under MAP_MIN_PX, and a
// map whose equal scales made it narrower than the room it has (its height was the limit) gets the height it needs.
async function widenPhoneMap(box, Plotly) {
  if (!box.clientWidth || !box.phoneMap || box.widenBusy) return;
  box.widenBusy = true;
  try { await widenOnce(box, Plotly); } finally { box.widenBusy = false; }
}

async function widenOnce(box, Plotly) {
  let full = box.plot._fullLayout;
  if (box.clientWidth - full._size.l - full._size.r < MAP_MIN_PX && full.yaxis.ticklabelposition !== "inside") {
    await Plotly.relayout(box.plot, { "yaxis.ticklabelposition": "inside" });
    full = box.plot._fullLayout;
  }
  const room = box.clientWidth - full._size.l - full._size.r, short = room - full.xaxis._length;
  if (short > 2 && full.yaxis._length <= full.xaxis._length + 2) {
    const height = Math.round(full.height + short);
    box.plot.style.height = `${height}px`;
    await Plotly.relayout(box.plot, { height });
  }
}

function zoomedOut(scene, factor) {
  const camera = scene.camera || {}, eye = camera.eye || { x: 1.25, y: 1.25, z: 1.25 };
  return { ...scene, camera: { ...camera, eye: { x: eye.x * factor, y: eye.y * factor, z: eye.z * factor } } };
}

// The figure as drawn here: house type, height and title; the traces with their colour bars' type.
function houseStyle(box, layout, traces) {
  const family = getComputedStyle(box).fontFamily;
  layout.font = { family, ...(layout.font || {}), color: TEXT_COLOR };
  if (layout.scene) {
    layout.margin = { ...(layout.margin || {}), l: Math.max((layout.margin || {}).l || 0, 36) };   // room for z ticks
    if (box.clientWidth < 600) layout.scene = zoomedOut(layout.scene, 1.35);      // a phone: the whole box in view
  }
  fitHeight(box, layout);
  const placed = phoneMap(box, layout, traces);
  fitTitle(box, layout, family);
  return minimumType(layout, placed);
}

async function render(box, data) {
  if (box.latest !== data) return;                      // a newer figure is queued: draw that one only
  const figure = assemble(data);
  if (figure.missing) { box.setTrigger("missing", figure.missing); return; }
  const Plotly = await loadPlotly(data.plotly_js);
  if (box.latest !== data) return;                      // a newer figure arrived while plotly.js loaded
  const layout = { ...data.layout, autosize: true, uirevision: data.layout.uirevision ?? data.key };
  delete layout.width;                                   // the chart takes the width its column gives it
  for (const name of ["xaxis", "yaxis", ...Object.keys(layout).filter((k) => /^[xy]axis\d+$/.test(k))]) {
    layout[name] = { automargin: true, ...layout[name] };   // tick labels push the margin instead of being cut off
  }
  const legend = layout.legend;
  if (legend && legend.orientation === "h" && (legend.y ?? 1) < 0) {   // a legend under the plot: pinned to the chart's
    layout.legend = { ...legend, yref: "container", y: 0, yanchor: "bottom" };   // bottom, below the axis title
  }
  if (figure.template) layout.template = figure.template;
  if (layout.updatemenus) layout.updatemenus = withOwnPlayer(layout.updatemenus);
  box.drawnWidth = box.clientWidth;
  const traces = houseStyle(box, layout, figure.traces);
  box.plot.style.height = `${layout.height || 450}px`;
  stop(box);
  box.frames = figure.frames;
  box.frameMs = frameMs(data.layout.updatemenus);
  const ownButtons = (data.layout.updatemenus || []).length > 0;    // a chart played by another's button has no speed menu
  box.querySelector(".gl-bar").style.display = figure.frames.length && ownButtons ? "" : "none";
  await Plotly.react(box.plot, traces, layout, { responsive: true, displaylogo: false, ...data.config });
  box.phoneMap = window.innerWidth < PHONE_PX && isMap(layout, traces);
  if (!box.widening) {                 // automargin settles after react: check the map's width after every plot
    box.widening = true;
    box.plot.on("plotly_afterplot", () => { if (box.phoneMap) widenPhoneMap(box, Plotly).catch((e) => console.error("chart", e)); });
  }
  await widenPhoneMap(box, Plotly);
  bindEvents(box, Plotly);
  box.plot.dataset.renders = String(Number(box.plot.dataset.renders || 0) + 1);
}

export function draw(component) {
  const box = mount(component.parentElement, component.data.speed_label);
  box.dataset.key = component.data.key;
  box.setTrigger = component.setTriggerValue;
  box.latest = component.data;
  keep(component.data);
  box.queue = box.queue.then(() => render(box, component.data)).catch((e) => console.error("chart", e));
}
