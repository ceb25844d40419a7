// Run cell: commands, run bookkeeping, the status bar item. The kernel itself lives behind the
// language server (`torchwise.runCell` & co. over workspace/executeCommand; `torchwise/output` and
// `torchwise/runFinished` notifications).
import * as path from "path";
import * as vscode from "vscode";
import { cellAt, cells } from "./cells";
import { BACKGROUND_RUN, OutputEvent, OutputPanel, RunFinished } from "./outputPanel";
import { TorchwiseServer } from "./server";

interface Device {
  id: string;
  name?: string;
  totalMemory?: number | null;
}

interface Variable {
  name: string;
  type?: string;
  shape?: unknown;
  dtype?: string | null;
  device?: string | null;
  requiresGrad?: boolean | null;
  summary?: string | null;
}

/** Where a run's events go instead of the output panel (a notebook cell's execution). */
export interface RunSink {
  started(): void;
  output(ev: OutputEvent): void;
}

interface PendingRun {
  title: string;
  resolve: (finished: RunFinished) => void;
  sink?: RunSink;
}

export const UNTRUSTED_MESSAGE =
  "Torchwise: running code is disabled in this untrusted workspace. Trust the folder to run cells; hover, lint and snippets keep working.";

/** The cell's text, echoed (collapsed) above its output: without its `# %%` marker line. */
function cellCode(doc: vscode.TextDocument, cell: { start: number; end: number; hasMarker: boolean }): string {
  const first = cell.hasMarker ? cell.start + 1 : cell.start;
  if (first > cell.end) {
    return "";
  }
  return doc.getText(new vscode.Range(first, 0, cell.end, doc.lineAt(cell.end).text.length));
}

function fmtBytes(bytes: number | null | undefined): string {
  if (typeof bytes !== "number") {
    return "";
  }
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`;
}

export class Kernel implements vscode.Disposable {
  private readonly runs = new Map<string, PendingRun>();
  /** Output that arrived before the runCell response told us its runId. */
  private readonly early = new Map<string, { outputs: OutputEvent[]; started?: boolean; finished?: RunFinished }>();
  private device: string | undefined;
  private busy = 0;
  private readonly status: vscode.StatusBarItem;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly server: TorchwiseServer,
    private readonly panel: OutputPanel,
    /** Called after every run and restart: the kernel's variables may have changed. */
    private readonly kernelChanged: () => void = () => undefined,
  ) {
    this.status = vscode.window.createStatusBarItem("torchwise.kernel", vscode.StatusBarAlignment.Right, 100);
    this.status.name = "Torchwise Kernel";
    this.status.command = "torchwise.kernel.selectDevice";
    this.disposables.push(
      this.status,
      server.onDidCreateClient((client) => {
        client.onNotification("torchwise/output", (ev: OutputEvent) => this.onOutput(ev));
        client.onNotification("torchwise/runFinished", (ev: RunFinished) => this.onFinished(ev));
        client.onNotification("torchwise/runStarted", (ev: { runId?: string }) => this.onStarted(ev));
      }),
      server.onDidChangeState((state) => {
        if (state !== "running") {
          this.abandonRuns(state === "starting" ? "the server restarted" : "the server stopped");
          this.device = undefined;
        }
        this.updateStatus();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.updateStatus()),
    );
    this.updateStatus();
    this.status.show();
    panel.setActions({ interrupt: () => void this.interrupt(), cancel: (runId) => void this.cancel(runId) });
  }

  // -- status bar ------------------------------------------------------------------------------------
  private updateStatus(): void {
    const s = this.status;
    s.backgroundColor = undefined;
    switch (this.server.state) {
      case "starting":
        s.text = "$(sync~spin) Torchwise: starting";
        s.tooltip = "Starting the Torchwise language server";
        return;
      case "failed":
      case "stopped":
        s.text = "$(error) Torchwise: server not running";
        s.tooltip = this.server.lastError ?? "The Torchwise language server is not running";
        s.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
        s.command = "torchwise.server.showLog";
        return;
    }
    s.command = this.busy > 0 ? "torchwise.kernel.interrupt" : "torchwise.kernel.selectDevice";
    if (!vscode.workspace.isTrusted) {
      s.text = "$(shield) Torchwise: restricted";
      s.tooltip = "Untrusted workspace: running code is disabled";
      return;
    }
    const icon = this.busy > 0 ? "$(sync~spin)" : "$(chip)";
    if (this.device) {
      s.text = `${icon} Torchwise: ${this.device} · ${this.busy > 0 ? "running" : "idle"}`;
    } else {
      s.text = `${icon} Torchwise: ${this.busy > 0 ? "starting kernel" : "no kernel"}`;
    }
    const tooltip = new vscode.MarkdownString(
      `Torchwise kernel on \`${this.server.python?.executable ?? "?"}\`\n\n` +
        (this.busy > 0 ? "Click to **interrupt** the running code.\n\n" : "Click to select the device.\n\n") +
        "[Select Device](command:torchwise.kernel.selectDevice) · [Interrupt](command:torchwise.kernel.interrupt) · " +
        "[Restart Kernel](command:torchwise.kernel.restart)",
    );
    tooltip.isTrusted = { enabledCommands: ["torchwise.kernel.selectDevice", "torchwise.kernel.interrupt", "torchwise.kernel.restart"] };
    s.tooltip = tooltip;
    this.panel.busy(this.busy > 0);
  }

  // -- notifications ---------------------------------------------------------------------------------
  private onOutput(ev: OutputEvent): void {
    if (ev && ev.background === true) {
      this.panel.output({ ...ev, runId: BACKGROUND_RUN }); // a thread printed outside any run
      return;
    }
    if (!ev || typeof ev.runId !== "string") {
      return;
    }
    const run = this.runs.get(ev.runId);
    if (!run) {
      const early = this.early.get(ev.runId) ?? { outputs: [] };
      early.outputs.push(ev);
      this.early.set(ev.runId, early);
      return;
    }
    if (run.sink) {
      run.sink.output(ev);
    } else {
      this.panel.output(ev);
    }
  }

  private onStarted(ev: { runId?: string }): void {
    if (ev && typeof ev.runId === "string") {
      const run = this.runs.get(ev.runId);
      if (run?.sink) {
        run.sink.started();
      } else if (run) {
        this.panel.running(ev.runId);
      } else {
        const early = this.early.get(ev.runId) ?? { outputs: [] };
        early.started = true;
        this.early.set(ev.runId, early);
      }
    }
  }

  private onFinished(ev: RunFinished): void {
    if (!ev || typeof ev.runId !== "string") {
      return;
    }
    const run = this.runs.get(ev.runId);
    if (!run) {
      const early = this.early.get(ev.runId) ?? { outputs: [] };
      early.finished = ev;
      this.early.set(ev.runId, early);
      return;
    }
    this.runs.delete(ev.runId);
    if (ev.device) {
      this.device = ev.device;
    }
    if (!run.sink) {
      this.panel.finished(ev);
    }
    run.resolve(ev);
    this.kernelChanged();
  }

  private abandonRuns(why: string): void {
    for (const [runId, run] of this.runs) {
      const ev: RunFinished = { runId, status: "crashed", durationMs: undefined, peakMemoryBytes: null, device: this.device };
      const note: OutputEvent = { runId, stream: "stderr", text: `[run abandoned: ${why}]\n` };
      if (run.sink) {
        run.sink.output(note);
      } else {
        this.panel.output(note);
        this.panel.finished(ev);
      }
      run.resolve(ev);
    }
    this.runs.clear();
    this.early.clear();
  }

  // -- running ---------------------------------------------------------------------------------------
  private checkTrust(): boolean {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(UNTRUSTED_MESSAGE, "Manage Workspace Trust").then((choice) => {
        if (choice) {
          void vscode.commands.executeCommand("workbench.trust.manage");
        }
      });
      return false;
    }
    return true;
  }

  /** Send one run command; resolves when the run has finished (or failed to start: undefined). */
  private async run(
    command: "torchwise.runCell" | "torchwise.runCode",
    args: unknown[],
    title: string,
    code?: string,
    sink?: RunSink,
  ): Promise<RunFinished | undefined> {
    this.busy++;
    this.updateStatus();
    try {
      let runId: string;
      try {
        const result = await this.server.execute<{ runId: string }>(command, args);
        runId = result?.runId;
        if (typeof runId !== "string") {
          throw new Error(`the server answered ${command} without a runId`);
        }
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (sink) {
          sink.output({ runId: "", stream: "error", text: message + "\n" });
          return undefined;
        }
        this.panel.note(`${title}: ${message}`, "error");
        void vscode.window.showErrorMessage(message.startsWith("Torchwise") ? message : `Torchwise: ${message}`);
        return undefined;
      }
      // The server sends torchwise/runStarted only for a run that waited behind another one.
      const waits = this.runs.size > 0;
      if (!sink) {
        this.panel.startRun({ runId, title, code });
        if (!waits) {
          this.panel.running(runId);
        }
      }
      const done = new Promise<RunFinished>((resolve) => this.runs.set(runId, { title, resolve, sink }));
      const early = this.early.get(runId);
      if (early) {
        this.early.delete(runId);
        if (early.started) {
          this.onStarted({ runId });
        }
        early.outputs.forEach((ev) => this.onOutput(ev));
        if (early.finished) {
          this.onFinished(early.finished);
        }
      }
      return await done;
    } finally {
      this.busy--;
      this.updateStatus();
    }
  }

  private target(uri?: vscode.Uri, line?: number): { doc: vscode.TextDocument; line: number } | undefined {
    const editor = vscode.window.activeTextEditor;
    if (uri instanceof vscode.Uri) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      if (doc) {
        return { doc, line: typeof line === "number" ? line : editor?.document === doc ? editor.selection.active.line : 0 };
      }
    }
    if (!editor) {
      void vscode.window.showWarningMessage("Torchwise: open a Python file to run code.");
      return undefined;
    }
    return { doc: editor.document, line: editor.selection.active.line };
  }

  private title(doc: vscode.TextDocument, what: string): string {
    return `${path.basename(doc.uri.fsPath || doc.uri.path)} · ${what}`;
  }

  async runCell(uri?: vscode.Uri, line?: number): Promise<RunFinished | undefined> {
    if (!this.checkTrust()) {
      return undefined;
    }
    const t = this.target(uri, line);
    if (!t) {
      return undefined;
    }
    const cell = cellAt(t.doc, t.line);
    return this.run(
      "torchwise.runCell",
      [{ uri: t.doc.uri.toString(), line: t.line }],
      this.title(t.doc, `cell at line ${cell.start + 1}`),
      cellCode(t.doc, cell),
    );
  }

  async runCellAndAdvance(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !this.checkTrust()) {
      return;
    }
    const doc = editor.document;
    const cell = cellAt(doc, editor.selection.active.line);
    const pending = this.runCell(doc.uri, editor.selection.active.line);
    // Move to the first line of the next cell (or the end of the file) right away, like notebooks do.
    const next = cells(doc).find((c) => c.start > cell.start);
    const target = next ? new vscode.Position(Math.min(next.start + 1, doc.lineCount - 1), 0) : doc.lineAt(doc.lineCount - 1).range.end;
    editor.selection = new vscode.Selection(target, target);
    editor.revealRange(new vscode.Range(target, target), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    await pending;
  }

  async runBelow(uri?: vscode.Uri, line?: number): Promise<void> {
    if (!this.checkTrust()) {
      return;
    }
    const t = this.target(uri, line);
    if (!t) {
      return;
    }
    const first = cellAt(t.doc, t.line);
    for (const cell of cells(t.doc).filter((c) => c.start >= first.start)) {
      const finished = await this.run(
        "torchwise.runCell",
        [{ uri: t.doc.uri.toString(), line: cell.hasMarker ? cell.start : Math.max(cell.start, t.line) }],
        this.title(t.doc, `cell at line ${cell.start + 1}`),
        cellCode(t.doc, cell),
      );
      if (!finished || finished.status !== "ok") {
        break; // stop at the first failing cell, like "run all below" in notebooks
      }
    }
  }

  async runSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      void vscode.window.showWarningMessage("Torchwise: open a Python file to run code.");
      return;
    }
    if (!this.checkTrust()) {
      return;
    }
    const doc = editor.document;
    const sel = editor.selection;
    let code: string;
    let firstLine: number;
    let what: string;
    if (sel.isEmpty) {
      code = doc.lineAt(sel.active.line).text;
      firstLine = sel.active.line;
      what = `line ${firstLine + 1}`;
    } else {
      // Whole lines, so indentation stays valid.
      const start = sel.start.line;
      const end = sel.end.character === 0 && sel.end.line > start ? sel.end.line - 1 : sel.end.line;
      code = doc.getText(new vscode.Range(start, 0, end, doc.lineAt(end).text.length));
      firstLine = start;
      what = start === end ? `line ${start + 1}` : `lines ${start + 1}–${end + 1}`;
    }
    if (!code.trim()) {
      return;
    }
    await this.run("torchwise.runCode", [{ code, uri: doc.uri.toString(), firstLine }], this.title(doc, what), code);
  }

  async interrupt(): Promise<void> {
    try {
      await this.server.execute("torchwise.interrupt", []);
    } catch (err) {
      void vscode.window.showErrorMessage(`Torchwise: interrupt failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** Run a notebook cell's code; its events go to `sink`, not to the output panel. */
  async runNotebookCell(code: string, uri: vscode.Uri, sink: RunSink): Promise<RunFinished | undefined> {
    if (!this.checkTrust()) {
      return undefined;
    }
    return this.run("torchwise.runCode", [{ code, uri: uri.toString(), firstLine: 0 }], "notebook cell", code, sink);
  }

  async cancel(runId: string): Promise<void> {
    try {
      const result = await this.server.execute<{ cancelled?: boolean }>("torchwise.cancelRun", [{ runId }]);
      if (!result?.cancelled) {
        void vscode.window.showInformationMessage("Torchwise: that run has already started (use Stop to interrupt it).");
      }
    } catch (err) {
      void vscode.window.showErrorMessage(`Torchwise: cancel failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  async restartKernel(): Promise<void> {
    if (!this.checkTrust()) {
      return;
    }
    try {
      await this.server.execute("torchwise.restart", []);
      this.panel.note("Kernel restarted: its variables are gone.");
      this.kernelChanged();
      this.device = undefined;
      this.updateStatus();
      await this.refreshDevice();
    } catch (err) {
      void vscode.window.showErrorMessage(`Torchwise: restart failed: ${err instanceof Error ? err.message : err}`);
    }
  }

  private async refreshDevice(): Promise<void> {
    try {
      const info = await this.server.execute<Record<string, unknown>>("torchwise.kernelInfo", []);
      const device = info?.device;
      if (typeof device === "string" && device) {
        this.device = device;
        this.updateStatus();
      }
    } catch {
      // kernel info is best effort (the status bar says "no kernel")
    }
  }

  async selectDevice(): Promise<void> {
    if (this.server.state !== "running") {
      this.server.log.show(true);
      return;
    }
    if (!this.checkTrust()) {
      return;
    }
    const quickPick = vscode.window.createQuickPick<vscode.QuickPickItem & { id: string }>();
    quickPick.title = "Torchwise: Select Device";
    quickPick.placeholder = "Listing the devices torch sees in the kernel…";
    quickPick.busy = true;
    quickPick.show();
    try {
      const devices = await this.server.execute<Device[]>("torchwise.listDevices", []);
      quickPick.items = (devices ?? []).map((d) => ({
        id: d.id,
        label: d.id,
        description: [d.name && d.name !== d.id ? d.name : "", fmtBytes(d.totalMemory)].filter(Boolean).join(" · "),
        picked: d.id === this.device,
      }));
      quickPick.placeholder = setsDefault()
        ? "Sets the kernel's device variable and torch.set_default_device(device) (setting torchwise.kernel.setDefaultDevice): new tensors go there; code that assigns device itself wins."
        : "Sets the kernel's device variable only. Your code decides what moves: x.to(device), model.to(device); code that assigns device itself wins.";
      quickPick.busy = false;
    } catch (err) {
      quickPick.hide();
      void vscode.window.showErrorMessage(`Torchwise: cannot list devices: ${err instanceof Error ? err.message : err}`);
      return;
    }
    const picked = await new Promise<string | undefined>((resolve) => {
      quickPick.onDidAccept(() => resolve(quickPick.selectedItems[0]?.id));
      quickPick.onDidHide(() => resolve(undefined));
    });
    quickPick.dispose();
    if (!picked) {
      return;
    }
    this.server.log.info(`Selecting device ${picked}`);
    try {
      await this.server.execute("torchwise.selectDevice", [{ device: picked }]);
      this.device = picked;
      this.updateStatus();
      void vscode.window.showInformationMessage(
        setsDefault()
          ? `Torchwise: device and torch's default device are now ${picked}. New tensors go there unless your code says otherwise; the run footer warns when they end up elsewhere.`
          : `Torchwise: device is now ${picked}. Tensors go there where your code uses .to(device); the run footer warns when they end up elsewhere.`,
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`Torchwise: cannot select ${picked}: ${err instanceof Error ? err.message : err}`);
    }
  }

  async showVariables(): Promise<void> {
    if (!this.checkTrust()) {
      return;
    }
    let vars: Variable[];
    try {
      vars = (await this.server.execute<Variable[]>("torchwise.listVariables", [])) ?? [];
    } catch (err) {
      void vscode.window.showErrorMessage(`Torchwise: cannot list variables: ${err instanceof Error ? err.message : err}`);
      return;
    }
    if (vars.length === 0) {
      void vscode.window.showInformationMessage("Torchwise: the kernel has no variables yet (run a cell first).");
      return;
    }
    const items = vars.map((v) => {
      const shape = Array.isArray(v.shape) ? `[${v.shape.join(", ")}]` : v.shape != null ? String(v.shape) : "";
      const bits = [v.type, shape, v.dtype, v.device, v.requiresGrad ? "requires_grad" : ""].filter((x) => x);
      return { label: v.name, description: bits.join(" "), detail: v.summary ?? undefined };
    });
    await vscode.window.showQuickPick(items, { title: "Torchwise: Variables", matchOnDescription: true, matchOnDetail: true });
  }

  dispose(): void {
    this.abandonRuns("the extension was deactivated");
    this.disposables.forEach((d) => d.dispose());
  }
}

/** Whether Select Device also sets torch's default device (setting torchwise.kernel.setDefaultDevice). */
function setsDefault(): boolean {
  return vscode.workspace.getConfiguration("torchwise").get<boolean>("kernel.setDefaultDevice", false);
}
