// The script of the "Torchwise Output" webview (bundled on its own by esbuild into
// client/out/outputView.js; it runs in the browser, not in the extension host).
//
// Text arrives already folded by the kernel bridge (server/torchwise/kernel/terminal.py): an
// output event appends `text` to its stream's block, and `rewrite` first drops that block's
// unfinished last line — a tqdm bar updates in place. ANSI colours are rendered by ansi_up;
// HTML reprs (pandas tables...) are sanitised by DOMPurify.
import { AnsiUp } from "ansi_up";
import DOMPurify from "dompurify";

declare function acquireVsCodeApi(): { postMessage(message: unknown): void };

interface RunHeader {
  runId: string;
  title: string;
  code?: string;
}
interface OutputEvent {
  runId: string;
  stream: string;
  text?: string;
  ansi?: string;
  data?: Record<string, unknown>;
  rewrite?: boolean;
  displayId?: string;
  update?: boolean;
}
interface RunFinished {
  runId: string;
  status: string;
  durationMs?: number;
  peakMemoryBytes?: number | null;
  device?: string;
  executionCount?: number | null;
  /** What peakMemoryBytes measures: CUDA's allocator ("cuda") or the kernel process's RSS ("rss"). */
  peakMemoryKind?: "cuda" | "rss" | null;
  hostPeakMemoryBytes?: number | null;
  /** How much the run added to the RSS at its peak. */
  hostPeakIncreaseBytes?: number | null;
  warning?: string | null;
}

const BACKGROUND_RUN = "__background__";
const vscode = acquireVsCodeApi();
const runsEl = document.getElementById("runs") as HTMLElement;
// "File /x/y.py:12", 'File "/x/y.py", line 12', "/x/y.py:12" -> clickable
const LOC = /(File\s+"?|^|\s)((?:file:\/\/)?(?:[A-Za-z]:)?[\\/][^\s",:]*\.py)"?(?:, line |:)(\d+)/gm;

/** One stream's block: completed lines (rendered once) and the unfinished last line. */
interface StreamBlock {
  cls: string;
  pre: HTMLPreElement;
  done: HTMLSpanElement;
  tail: HTMLSpanElement;
  tailText: string;
  ansi: AnsiUp;
}

interface Run {
  el: HTMLElement;
  body: HTMLElement;
  state: HTMLElement | null;
  prompt: HTMLElement | null;
  actions: HTMLElement | null;
  last: StreamBlock | null;
}

const runs = new Map<string, Run>();
let background: Run | null = null; // the background block since the last run started

function ansiUp(): AnsiUp {
  const a = new AnsiUp();
  a.use_classes = true;
  a.url_allowlist = {}; // no OSC 8 hyperlinks: the webview navigates nowhere
  return a;
}

function button(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.textContent = label;
  b.title = title;
  b.addEventListener("click", onClick);
  return b;
}

function backgroundBlock(): Run {
  if (!background) {
    const el = document.createElement("div");
    el.className = "run background";
    const title = document.createElement("div");
    title.className = "run-title";
    title.textContent = "background output (printed by a thread outside any run)";
    const body = document.createElement("div");
    body.className = "run-body";
    el.append(title, body);
    runsEl.appendChild(el);
    background = { el, body, state: null, prompt: null, actions: null, last: null };
  }
  return background;
}

function runBlock(runId: string): Run {
  if (runId === BACKGROUND_RUN) {
    return backgroundBlock();
  }
  let r = runs.get(runId);
  if (!r) {
    const el = document.createElement("div");
    el.className = "run queued";
    el.dataset.runId = runId;
    const head = document.createElement("div");
    head.className = "run-head";
    const prompt = document.createElement("span");
    prompt.className = "prompt";
    prompt.textContent = "[ ]";
    const title = document.createElement("span");
    title.className = "run-title";
    const actions = document.createElement("span");
    actions.className = "run-actions";
    head.append(prompt, title, actions);
    const body = document.createElement("div");
    body.className = "run-body";
    const state = document.createElement("div");
    state.className = "running";
    state.textContent = "queued\u2026";
    el.append(head, body, state);
    runsEl.appendChild(el);
    r = { el, body, state, prompt, actions, last: null };
    runs.set(runId, r);
    const run = r;
    actions.append(
      button("Cancel", "Cancel this queued run", () => vscode.postMessage({ type: "cancel", runId })),
      button("Collapse", "Collapse or expand this run's output", () => run.el.classList.toggle("collapsed")),
      button("Clear", "Remove this run's output", () => {
        run.el.remove();
        runs.delete(runId);
        vscode.postMessage({ type: "clearRun", runId });
      }),
    );
  }
  return r;
}

/** Make file locations clickable, in the text nodes of an already rendered element. */
function linkify(root: HTMLElement): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    nodes.push(n as Text);
  }
  for (const node of nodes) {
    const text = node.data;
    LOC.lastIndex = 0;
    if (!LOC.test(text)) {
      continue;
    }
    const frag = document.createDocumentFragment();
    let pos = 0;
    text.replace(LOC, (match: string, prefix: string, path: string, line: string, offset: number) => {
      const start = offset + prefix.length;
      frag.appendChild(document.createTextNode(text.slice(pos, start)));
      const a = document.createElement("a");
      a.className = "loc";
      a.textContent = match.slice(prefix.length);
      a.title = "Open " + path + ":" + line;
      a.addEventListener("click", () => vscode.postMessage({ type: "open", path, line: Number(line) }));
      frag.appendChild(a);
      pos = offset + match.length;
      return match;
    });
    frag.appendChild(document.createTextNode(text.slice(pos)));
    node.replaceWith(frag);
  }
}

function appendError(r: Run, ev: OutputEvent): void {
  const pre = document.createElement("pre");
  pre.className = "error";
  const colored = typeof ev.ansi === "string" && ev.ansi ? ev.ansi : String(ev.text || "");
  pre.innerHTML = ansiUp().ansi_to_html(colored); // ansi_up escapes the text: no markup gets through
  linkify(pre);
  r.body.appendChild(pre);
  r.last = null;
}

function appendStream(r: Run, cls: string, text: string, rewrite: boolean): void {
  let block = r.last;
  if (!block || block.cls !== cls) {
    if (!text) {
      return;
    }
    const pre = document.createElement("pre");
    pre.className = cls;
    const done = document.createElement("span");
    const tail = document.createElement("span");
    pre.append(done, tail);
    r.body.appendChild(pre);
    block = { cls, pre, done, tail, tailText: "", ansi: ansiUp() };
    r.last = block;
  }
  const combined = (rewrite ? "" : block.tailText) + text;
  const cut = combined.lastIndexOf("\n") + 1;
  if (cut > 0) {
    const span = document.createElement("span");
    span.innerHTML = block.ansi.ansi_to_html(combined.slice(0, cut));
    if (cls === "stderr") {
      linkify(span); // warnings name their file and line
    }
    block.done.appendChild(span);
  }
  block.tailText = combined.slice(cut);
  block.tail.innerHTML = block.tailText ? ansiUp().ansi_to_html(block.tailText) : "";
}

/** Elements shown for display(..., display_id=...): update_display_data replaces them in place. */
const displays = new Map<string, HTMLElement[]>();

function appendDisplay(r: Run, ev: OutputEvent): void {
  if (ev.displayId) {
    const holder = document.createElement("div");
    holder.className = "display";
    const inner: Run = { ...r, body: holder, last: null };
    renderDisplay(inner, ev);
    if (ev.update) {
      for (const el of displays.get(ev.displayId) ?? []) {
        el.replaceChildren(...Array.from(holder.cloneNode(true).childNodes));
      }
      return; // an update of a display that is not shown any more shows nothing
    }
    r.body.appendChild(holder);
    r.last = null;
    displays.set(ev.displayId, [...(displays.get(ev.displayId) ?? []).filter((el) => el.isConnected), holder]);
    return;
  }
  renderDisplay(r, ev);
}

function renderDisplay(r: Run, ev: OutputEvent): void {
  const data = ev.data || {};
  const image = (mime: string, src: string) => {
    const img = document.createElement("img");
    img.src = src;
    img.alt = mime;
    r.body.appendChild(img);
    r.last = null;
  };
  if (typeof data["image/png"] === "string") {
    image("image/png", "data:image/png;base64," + (data["image/png"] as string).replace(/\s/g, ""));
  } else if (typeof data["image/jpeg"] === "string") {
    image("image/jpeg", "data:image/jpeg;base64," + (data["image/jpeg"] as string).replace(/\s/g, ""));
  } else if (typeof data["image/svg+xml"] === "string") {
    image("image/svg+xml", "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data["image/svg+xml"] as string));
  } else if (typeof data["text/html"] === "string") {
    r.body.appendChild(sanitisedHtml(data["text/html"] as string));
    r.last = null;
  } else {
    const text = typeof data["text/plain"] === "string" ? (data["text/plain"] as string) : ev.text || "";
    appendStream(r, "result", text.endsWith("\n") ? text : text + "\n", false);
  }
}

/** An HTML repr, through DOMPurify: no scripts, event handlers or javascript: links (the CSP
 * blocks scripts too: this is the second wall), no forms or frames, and no style sheets, which
 * would restyle the whole panel (inline style attributes stay). */
function sanitisedHtml(html: string): HTMLElement {
  const holder = document.createElement("div");
  holder.className = "html-output";
  holder.innerHTML = DOMPurify.sanitize(html, {
    FORBID_TAGS: ["style", "form", "input", "button", "textarea", "select", "iframe", "frame", "object", "embed", "link", "meta", "base"],
  });
  return holder;
}

function fmtDuration(ms: number | undefined): string {
  if (typeof ms !== "number") {
    return "?";
  }
  return ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s";
}

function fmtBytes(b: number | null | undefined): string {
  if (typeof b !== "number") {
    return "n/a";
  }
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return (i === 0 ? b : b.toFixed(1)) + " " + units[i];
}

function memory(ev: RunFinished): string {
  if (ev.peakMemoryKind === "rss") {
    const added = typeof ev.hostPeakIncreaseBytes === "number" ? ` (+${fmtBytes(ev.hostPeakIncreaseBytes)} this run)` : "";
    return "peak memory " + fmtBytes(ev.peakMemoryBytes) + " RSS" + added;
  }
  return "peak memory " + fmtBytes(ev.peakMemoryBytes);
}

function scrollToEnd(): void {
  window.scrollTo(0, document.body.scrollHeight);
}

function start(run: RunHeader): void {
  background = null;
  const r = runBlock(run.runId);
  (r.el.querySelector(".run-title") as HTMLElement).textContent = run.title;
  if (run.code) {
    const details = document.createElement("details");
    details.className = "code";
    const summary = document.createElement("summary");
    summary.textContent = "code";
    const pre = document.createElement("pre");
    pre.textContent = run.code;
    details.append(summary, pre);
    r.el.insertBefore(details, r.body);
  }
  r.el.scrollIntoView({ block: "end" });
}

function running(runId: string): void {
  const r = runs.get(runId);
  if (!r || !r.state) {
    return;
  }
  r.el.classList.remove("queued");
  r.el.classList.add("active");
  r.state.textContent = "running\u2026";
  if (r.prompt) {
    r.prompt.textContent = "[*]";
  }
  const cancel = r.actions?.firstElementChild as HTMLButtonElement | null;
  if (cancel) {
    cancel.replaceWith(button("Stop", "Interrupt this run (KeyboardInterrupt)", () => vscode.postMessage({ type: "interrupt" })));
  }
}

function finished(ev: RunFinished): void {
  const r = runBlock(ev.runId);
  r.state?.remove();
  r.state = null;
  r.el.classList.remove("queued", "active");
  r.actions?.firstElementChild?.remove(); // Cancel / Stop
  if (r.prompt) {
    r.prompt.textContent = typeof ev.executionCount === "number" ? `[${ev.executionCount}]` : "[-]";
  }
  const footer = document.createElement("div");
  footer.className = "footer " + ev.status;
  footer.textContent = [ev.status, fmtDuration(ev.durationMs), "device " + (ev.device || "?"), memory(ev)].join(" \u00b7 ");
  r.el.appendChild(footer);
  if (ev.warning) {
    const warn = document.createElement("div");
    warn.className = "footer-warning";
    warn.textContent = "\u26a0 " + ev.warning;
    r.el.appendChild(warn);
  }
}

function handle(msg: any): void {
  if (msg.type === "start") {
    start(msg.run);
  } else if (msg.type === "running") {
    running(msg.runId);
  } else if (msg.type === "output") {
    const ev = msg.event as OutputEvent;
    const r = runBlock(ev.runId);
    if (ev.stream === "display") {
      appendDisplay(r, ev);
    } else if (ev.stream === "result") {
      const text = ev.text || "";
      appendStream(r, "result", text.endsWith("\n") ? text : text + "\n", false);
    } else if (ev.stream === "error") {
      appendError(r, ev);
    } else {
      appendStream(r, ev.stream === "stderr" ? "stderr" : "stdout", String(ev.text || ""), ev.rewrite === true);
    }
    scrollToEnd();
  } else if (msg.type === "finished") {
    finished(msg.event);
    scrollToEnd();
  } else if (msg.type === "note") {
    const div = document.createElement("div");
    div.className = "note " + msg.level;
    div.textContent = msg.text;
    runsEl.appendChild(div);
  } else if (msg.type === "clear") {
    runsEl.textContent = "";
    runs.clear();
    background = null;
  } else if (msg.type === "busy") {
    (document.getElementById("stop") as HTMLButtonElement).disabled = !msg.busy;
  }
}

window.addEventListener("message", (e) => handle(e.data));
document.getElementById("clear")?.addEventListener("click", () => {
  handle({ type: "clear" });
  vscode.postMessage({ type: "clear" });
});
document.getElementById("stop")?.addEventListener("click", () => vscode.postMessage({ type: "interrupt" }));
vscode.postMessage({ type: "ready" });
