// The "Torchwise Output" webview: live stdout/stderr per run, errors with clickable locations,
// images, and a footer with duration, device and peak memory.
import * as crypto from "crypto";
import * as vscode from "vscode";

export interface RunHeader {
  runId: string;
  title: string;
}

/** The panel's pseudo run for output that threads print outside any run (`background: true`). */
export const BACKGROUND_RUN = "__background__";

export interface OutputEvent {
  runId: string;
  background?: boolean;
  stream: "stdout" | "stderr" | "result" | "display" | "error" | string;
  text?: string;
  data?: Record<string, unknown>;
}

export interface RunFinished {
  runId: string;
  status: "ok" | "error" | "interrupted" | "crashed" | string;
  durationMs?: number;
  peakMemoryBytes?: number | null;
  device?: string;
}

type Message =
  | { type: "start"; run: RunHeader }
  | { type: "output"; event: OutputEvent }
  | { type: "finished"; event: RunFinished }
  | { type: "note"; text: string; level: "info" | "error" }
  | { type: "clear" };

const MAX_KEPT_MESSAGES = 5000;

export class OutputPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  /** The webview's script has loaded and replayed the history: new messages can go straight to it. */
  private ready = false;
  private readonly history: Message[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly log: vscode.OutputChannel) {}

  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      "torchwise.output",
      "Torchwise Output",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [] },
    );
    this.panel = panel;
    this.ready = false;
    panel.webview.html = html(panel.webview, crypto.randomBytes(16).toString("base64"));
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.ready = false;
      },
      null,
      this.disposables,
    );
    panel.webview.onDidReceiveMessage((msg) => this.onMessage(msg), null, this.disposables);
    // What happened while the panel was closed is replayed when the webview's script posts "ready".
  }

  private onMessage(msg: any): void {
    if (msg?.type === "ready") {
      for (const m of this.history) {
        void this.panel?.webview.postMessage(m);
      }
      this.ready = true;
    } else if (msg?.type === "open" && typeof msg.path === "string") {
      void openLocation(msg.path, Number(msg.line) || 1, this.log);
    } else if (msg?.type === "clear") {
      this.history.length = 0;
    }
  }

  private post(message: Message): void {
    this.history.push(message);
    if (this.history.length > MAX_KEPT_MESSAGES) {
      this.history.splice(0, this.history.length - MAX_KEPT_MESSAGES);
    }
    if (this.ready) {
      void this.panel?.webview.postMessage(message);
    }
  }

  startRun(run: RunHeader): void {
    this.show(true);
    this.post({ type: "start", run });
  }

  output(event: OutputEvent): void {
    this.post({ type: "output", event });
  }

  finished(event: RunFinished): void {
    this.post({ type: "finished", event });
  }

  note(text: string, level: "info" | "error" = "info"): void {
    this.show(true);
    this.post({ type: "note", text, level });
  }

  dispose(): void {
    this.panel?.dispose();
    this.disposables.forEach((d) => d.dispose());
  }
}

async function openLocation(target: string, line: number, log: vscode.OutputChannel): Promise<void> {
  try {
    const uri = target.startsWith("file://") ? vscode.Uri.parse(target) : vscode.Uri.file(target);
    const doc = await vscode.workspace.openTextDocument(uri);
    const pos = new vscode.Position(Math.max(0, line - 1), 0);
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(pos, pos) });
  } catch (err) {
    log.appendLine(`cannot open ${target}:${line}: ${err}`);
  }
}

function html(webview: vscode.Webview, nonce: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    "style-src 'unsafe-inline'",
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>
  body { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); padding: 0 8px; }
  .run { border-bottom: 1px solid var(--vscode-panel-border); padding: 6px 0; }
  .run-title { font-weight: bold; opacity: 0.8; margin-bottom: 4px; }
  pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: inherit; }
  .stderr { color: var(--vscode-terminal-ansiYellow); }
  .error { color: var(--vscode-errorForeground); }
  .result { color: var(--vscode-foreground); }
  .note { opacity: 0.8; font-style: italic; }
  .note.error { color: var(--vscode-errorForeground); }
  .footer { margin-top: 4px; font-size: 90%; opacity: 0.85; }
  .footer.ok::before { content: "\\2713  "; color: var(--vscode-testing-iconPassed); }
  .footer.error::before, .footer.crashed::before { content: "\\2717  "; color: var(--vscode-errorForeground); }
  .footer.interrupted::before { content: "\\25A0  "; }
  .running { opacity: 0.6; font-size: 90%; }
  .run.background { opacity: 0.75; border-left: 2px solid var(--vscode-panel-border); padding-left: 6px; }
  a.loc { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: underline; }
  img { max-width: 100%; background: white; }
  #toolbar { position: sticky; top: 0; background: var(--vscode-editor-background); padding: 4px 0; text-align: right; }
</style></head>
<body>
<div id="toolbar"><button id="clear">Clear</button></div>
<div id="runs"></div>
<script nonce="${nonce}">
(function () {
  const vscode = acquireVsCodeApi();
  const runsEl = document.getElementById("runs");
  const runs = new Map();
  const ANSI = /\\u001b\\[[0-9;]*[A-Za-z]/g;
  // "File /x/y.py:12", 'File "/x/y.py", line 12', "/x/y.py:12" -> clickable
  const LOC = /(File\\s+"?|^|\\s)((?:file:\\/\\/)?(?:[A-Za-z]:)?[\\/][^\\s",:]*\\.py)"?(?:, line |:)(\\d+)/gm;

  let background = null; // the background block since the last run started
  function backgroundBlock() {
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
      background = { el, body, running: null, last: null };
    }
    return background;
  }

  function runBlock(runId) {
    if (runId === "${BACKGROUND_RUN}") return backgroundBlock();
    let r = runs.get(runId);
    if (!r) {
      const el = document.createElement("div");
      el.className = "run";
      el.dataset.runId = runId;
      const body = document.createElement("div");
      body.className = "run-body";
      const running = document.createElement("div");
      running.className = "running";
      running.textContent = "running\\u2026";
      el.append(body, running);
      runsEl.appendChild(el);
      r = { el, body, running, last: null };
      runs.set(runId, r);
    }
    return r;
  }

  function linkify(pre, text) {
    let pos = 0;
    text.replace(LOC, (match, prefix, path, line, offset) => {
      const start = offset + prefix.length;
      pre.appendChild(document.createTextNode(text.slice(pos, start)));
      const a = document.createElement("a");
      a.className = "loc";
      a.textContent = match.slice(prefix.length);
      a.title = "Open " + path + ":" + line;
      a.addEventListener("click", () => vscode.postMessage({ type: "open", path, line: Number(line) }));
      pre.appendChild(a);
      pos = offset + match.length;
      return match;
    });
    pre.appendChild(document.createTextNode(text.slice(pos)));
  }

  function appendText(r, cls, text) {
    text = String(text || "").replace(ANSI, "");
    if (!text) return;
    if (cls === "error") {
      const pre = document.createElement("pre");
      pre.className = "error";
      linkify(pre, text);
      r.body.appendChild(pre);
      r.last = null;
      return;
    }
    if (r.last && r.last.className === cls) {
      r.last.textContent += text;
    } else {
      const pre = document.createElement("pre");
      pre.className = cls;
      pre.textContent = text;
      r.body.appendChild(pre);
      r.last = pre;
    }
  }

  function appendDisplay(r, ev) {
    const data = ev.data || {};
    if (typeof data["image/png"] === "string") {
      const img = document.createElement("img");
      img.src = "data:image/png;base64," + data["image/png"].replace(/\\s/g, "");
      r.body.appendChild(img);
    } else if (typeof data["image/jpeg"] === "string") {
      const img = document.createElement("img");
      img.src = "data:image/jpeg;base64," + data["image/jpeg"].replace(/\\s/g, "");
      r.body.appendChild(img);
    } else if (typeof data["image/svg+xml"] === "string") {
      const img = document.createElement("img");
      img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data["image/svg+xml"]);
      r.body.appendChild(img);
    } else {
      const text = typeof data["text/plain"] === "string" ? data["text/plain"] : ev.text;
      appendText(r, "result", (text || "") + "\\n");
      return;
    }
    r.last = null;
  }

  function fmtDuration(ms) {
    if (typeof ms !== "number") return "?";
    return ms < 1000 ? Math.round(ms) + " ms" : (ms / 1000).toFixed(2) + " s";
  }
  function fmtBytes(b) {
    if (typeof b !== "number") return "n/a";
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b : b.toFixed(1)) + " " + units[i];
  }

  function handle(msg) {
    if (msg.type === "start") {
      background = null;
      const r = runBlock(msg.run.runId);
      const title = document.createElement("div");
      title.className = "run-title";
      title.textContent = msg.run.title;
      r.el.insertBefore(title, r.body);
      r.el.scrollIntoView({ block: "end" });
    } else if (msg.type === "output") {
      const ev = msg.event;
      const r = runBlock(ev.runId);
      if (ev.stream === "display") appendDisplay(r, ev);
      else if (ev.stream === "result") appendText(r, "result", (ev.text || "").endsWith("\\n") ? ev.text : (ev.text || "") + "\\n");
      else appendText(r, ev.stream === "stderr" ? "stderr" : ev.stream === "error" ? "error" : "stdout", ev.text);
      window.scrollTo(0, document.body.scrollHeight);
    } else if (msg.type === "finished") {
      const ev = msg.event;
      const r = runBlock(ev.runId);
      r.running.remove();
      const footer = document.createElement("div");
      footer.className = "footer " + ev.status;
      footer.textContent = [ev.status, fmtDuration(ev.durationMs), "device " + (ev.device || "?"), "peak memory " + fmtBytes(ev.peakMemoryBytes)].join(" \\u00b7 ");
      r.el.appendChild(footer);
      window.scrollTo(0, document.body.scrollHeight);
    } else if (msg.type === "note") {
      const div = document.createElement("div");
      div.className = "note " + msg.level;
      div.textContent = msg.text;
      runsEl.appendChild(div);
    } else if (msg.type === "clear") {
      runsEl.textContent = "";
      runs.clear();
      background = null;
    }
  }

  window.addEventListener("message", (e) => handle(e.data));
  document.getElementById("clear").addEventListener("click", () => {
    handle({ type: "clear" });
    vscode.postMessage({ type: "clear" });
  });
  vscode.postMessage({ type: "ready" });
})();
</script>
</body></html>`;
}
