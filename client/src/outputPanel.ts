// The "Torchwise Output" webview: live stdout/stderr per run, errors with clickable locations,
// images, and a footer with duration, device and peak memory.
import * as crypto from "crypto";
import * as vscode from "vscode";

export interface RunHeader {
  runId: string;
  title: string;
  /** The code that runs, echoed (collapsed) above its output. */
  code?: string;
}

/** The panel's pseudo run for output that threads print outside any run (`background: true`). */
export const BACKGROUND_RUN = "__background__";

export interface OutputEvent {
  runId: string;
  background?: boolean;
  stream: "stdout" | "stderr" | "result" | "display" | "error" | string;
  text?: string;
  data?: Record<string, unknown>;
  /** Drop the stream's unfinished last line first (a progress bar updating in place). */
  rewrite?: boolean;
  /** An error's traceback with its ANSI colours (`text` is plain). */
  ansi?: string;
  /** display(..., display_id=...): `update` replaces what that display shows, in place. */
  displayId?: string;
  update?: boolean;
}

export interface RunFinished {
  runId: string;
  status: "ok" | "error" | "interrupted" | "crashed" | string;
  durationMs?: number;
  peakMemoryBytes?: number | null;
  device?: string;
  executionCount?: number | null;
  /** What peakMemoryBytes measures: CUDA's allocator ("cuda") or the kernel process's RSS ("rss"). */
  peakMemoryKind?: "cuda" | "rss" | null;
  hostPeakMemoryBytes?: number | null;
  /** How much the run added to the RSS at its peak. */
  hostPeakIncreaseBytes?: number | null;
  /** Tensors or a model of this run ended on another device than the selected one. */
  warning?: string | null;
}

/** What the panel's buttons ask of the kernel. */
export interface PanelActions {
  interrupt(): void;
  cancel(runId: string): void;
}

type Message =
  | { type: "start"; run: RunHeader }
  | { type: "running"; runId: string }
  | { type: "busy"; busy: boolean }
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

  constructor(
    private readonly log: vscode.OutputChannel,
    private readonly extensionUri: vscode.Uri,
  ) {}

  private actions: PanelActions | undefined;

  setActions(actions: PanelActions): void {
    this.actions = actions;
  }

  show(preserveFocus = true): void {
    if (this.panel) {
      this.panel.reveal(undefined, preserveFocus);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      "torchwise.output",
      "Torchwise Output",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, "client", "out")] },
    );
    this.panel = panel;
    this.ready = false;
    const script = panel.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, "client", "out", "outputView.js"));
    panel.webview.html = html(panel.webview, script, crypto.randomBytes(16).toString("base64"));
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
      const busy = this.history.filter((m) => m.type === "busy").pop();
      this.history.length = 0;
      if (busy) {
        this.history.push(busy);
      }
    } else if (msg?.type === "clearRun" && typeof msg.runId === "string") {
      const runId = msg.runId;
      const kept = this.history.filter((m) => !messageOf(m, runId));
      this.history.splice(0, this.history.length, ...kept);
    } else if (msg?.type === "interrupt") {
      this.actions?.interrupt();
    } else if (msg?.type === "cancel" && typeof msg.runId === "string") {
      this.actions?.cancel(msg.runId);
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

  running(runId: string): void {
    this.post({ type: "running", runId });
  }

  busy(busy: boolean): void {
    this.post({ type: "busy", busy });
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

function messageOf(m: Message, runId: string): boolean {
  switch (m.type) {
    case "start":
      return m.run.runId === runId;
    case "running":
      return m.runId === runId;
    case "output":
    case "finished":
      return m.event.runId === runId;
    default:
      return false;
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

function html(webview: vscode.Webview, script: vscode.Uri, nonce: string): string {
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    "style-src 'unsafe-inline'",
    `script-src 'nonce-${nonce}'`,
  ].join("; ");
  const ansi = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
    .map((c) => {
      const name = c[0].toUpperCase() + c.slice(1);
      return (
        `.ansi-${c}-fg { color: var(--vscode-terminal-ansi${name}); } .ansi-bright-${c}-fg { color: var(--vscode-terminal-ansiBright${name}); }\n` +
        `.ansi-${c}-bg { background: var(--vscode-terminal-ansi${name}); } .ansi-bright-${c}-bg { background: var(--vscode-terminal-ansiBright${name}); }`
      );
    })
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<style>
  body { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); padding: 0 8px; }
  .run { border-bottom: 1px solid var(--vscode-panel-border); padding: 6px 0; }
  .run-head { display: flex; gap: 6px; align-items: baseline; }
  .prompt { opacity: 0.7; }
  .run-title { font-weight: bold; opacity: 0.8; margin-bottom: 4px; flex: 1; }
  .run-actions button { font-size: 85%; margin-left: 4px; }
  .run.collapsed .run-body, .run.collapsed .code { display: none; }
  details.code summary { cursor: pointer; opacity: 0.7; font-size: 90%; }
  details.code pre { opacity: 0.85; border-left: 2px solid var(--vscode-panel-border); padding-left: 6px; margin-bottom: 4px; }
  pre { margin: 0; white-space: pre-wrap; word-break: break-word; font-family: inherit; }
  .stderr { color: var(--vscode-terminal-ansiYellow); }
  .error { color: var(--vscode-errorForeground); }
  .result { color: var(--vscode-foreground); }
  .note { opacity: 0.8; font-style: italic; }
  .note.error { color: var(--vscode-errorForeground); }
  .footer { margin-top: 4px; font-size: 90%; opacity: 0.85; }
  .html-output { overflow-x: auto; margin: 4px 0; }
  .html-output table { border-collapse: collapse; }
  .html-output th, .html-output td { border: 1px solid var(--vscode-panel-border); padding: 2px 6px; text-align: right; }
  .footer-warning { font-size: 90%; color: var(--vscode-editorWarning-foreground); }
  .footer.ok::before { content: "\\2713  "; color: var(--vscode-testing-iconPassed); }
  .footer.error::before, .footer.crashed::before { content: "\\2717  "; color: var(--vscode-errorForeground); }
  .footer.interrupted::before, .footer.cancelled::before { content: "\\25A0  "; }
  .running { opacity: 0.6; font-size: 90%; }
  .run.background { opacity: 0.75; border-left: 2px solid var(--vscode-panel-border); padding-left: 6px; }
  a.loc { color: var(--vscode-textLink-foreground); cursor: pointer; text-decoration: underline; }
  img { max-width: 100%; background: white; }
  .ansi-bold { font-weight: bold; }
  ${ansi}
  #toolbar { position: sticky; top: 0; background: var(--vscode-editor-background); padding: 4px 0; text-align: right; z-index: 1; }
</style></head>
<body>
<div id="toolbar"><button id="stop" title="Interrupt the running code (KeyboardInterrupt)" disabled>Stop</button> <button id="clear">Clear</button></div>
<div id="runs"></div>
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
}
