// Torchwise as a kernel for .ipynb notebooks: a NotebookController for VS Code's built-in
// `jupyter-notebook` type (code-server ships its serializer and output renderers).
//
// Decision (spiked in code-server 4.139.1): notebooks get this controller — VS Code's notebook
// UI then gives run/stop buttons, queued/running states, execution counts and the kernel picker,
// and its built-in renderers show stdout/stderr (with ANSI colours and \r folding), errors,
// images and HTML. `# %%` files keep the Torchwise Output panel: the Interactive Window's
// notebook type is opened through an internal command (`_interactive.open`) that is not public
// API, so the panel is fed with output normalised once in the bridge (kernel/terminal.py) and
// rendered with ansi_up — the same terminal semantics as a notebook cell. The cell status bar
// shows the run's device and peak memory, as the panel's footer does.
import * as vscode from "vscode";
import { Kernel } from "./kernel";
import { OutputEvent, RunFinished } from "./outputPanel";

const NOTEBOOK_TYPE = "jupyter-notebook";

function fmtBytes(bytes: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`;
}

export function footerText(ev: RunFinished): string {
  const memory =
    typeof ev.peakMemoryBytes === "number"
      ? `peak ${fmtBytes(ev.peakMemoryBytes)}${ev.peakMemoryKind === "rss" ? " RSS" : ""}` +
        (ev.peakMemoryKind === "rss" && typeof ev.hostPeakIncreaseBytes === "number" ? ` (+${fmtBytes(ev.hostPeakIncreaseBytes)})` : "")
      : "peak n/a";
  return [ev.device ?? "?", memory].join(" · ");
}

/** One cell's outputs as the run streams: a stream's text is kept folded and replaced in place. */
class CellSink {
  private stream: { name: string; text: string; output: vscode.NotebookCellOutput } | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly displays = new Map<string, vscode.NotebookCellOutput>();

  constructor(private readonly execution: vscode.NotebookCellExecution) {}

  started(): void {
    // the execution shows as running from start(); nothing else to do
  }

  private later(fn: () => Thenable<unknown>): void {
    this.queue = this.queue.then(fn, fn); // keep the edits in order
  }

  flushed(): Promise<unknown> {
    return this.queue;
  }

  output(ev: OutputEvent): void {
    const text = String(ev.text ?? "");
    if (ev.stream === "stdout" || ev.stream === "stderr") {
      const current = this.stream;
      if (current && current.name === ev.stream) {
        current.text = (ev.rewrite ? current.text.slice(0, current.text.lastIndexOf("\n") + 1) : current.text) + text;
        const item = ev.stream === "stderr" ? vscode.NotebookCellOutputItem.stderr(current.text) : vscode.NotebookCellOutputItem.stdout(current.text);
        this.later(() => this.execution.replaceOutputItems(item, current.output));
        return;
      }
      const item = ev.stream === "stderr" ? vscode.NotebookCellOutputItem.stderr(text) : vscode.NotebookCellOutputItem.stdout(text);
      const output = new vscode.NotebookCellOutput([item]);
      this.stream = { name: ev.stream, text, output };
      this.later(() => this.execution.appendOutput(output));
      return;
    }
    this.stream = undefined;
    let items: vscode.NotebookCellOutputItem[];
    if (ev.stream === "error") {
      const error = new Error("");
      error.name = "";
      error.stack = ev.ansi ?? text; // the built-in renderer shows the stack with its colours
      items = [vscode.NotebookCellOutputItem.error(error)];
    } else {
      const data = ev.data ?? {};
      items = [];
      for (const [mime, value] of Object.entries(data)) {
        if (typeof value !== "string") {
          items.push(vscode.NotebookCellOutputItem.json(value, mime));
        } else if (mime.startsWith("image/") && mime !== "image/svg+xml") {
          items.push(new vscode.NotebookCellOutputItem(Buffer.from(value, "base64"), mime));
        } else {
          items.push(vscode.NotebookCellOutputItem.text(value, mime));
        }
      }
      if (!items.some((i) => i.mime === "text/plain")) {
        items.push(vscode.NotebookCellOutputItem.text(text, "text/plain"));
      }
    }
    const shown = ev.displayId ? this.displays.get(ev.displayId) : undefined;
    if (ev.update) {
      if (shown) {
        this.later(() => this.execution.replaceOutputItems(items, shown));
      }
      return;
    }
    const output = new vscode.NotebookCellOutput(items);
    if (ev.displayId) {
      this.displays.set(ev.displayId, output);
    }
    this.later(() => this.execution.appendOutput(output));
  }
}

export class TorchwiseNotebookController implements vscode.Disposable {
  private readonly controller: vscode.NotebookController;
  private readonly footers = new Map<string, string>();
  private readonly footerChanged = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly kernel: Kernel) {
    const controller = vscode.notebooks.createNotebookController("torchwise.notebookKernel", NOTEBOOK_TYPE, "Torchwise (torch kernel)");
    controller.supportedLanguages = ["python"];
    controller.supportsExecutionOrder = true;
    controller.description = "PyTorch kernel with device selection and peak memory";
    controller.executeHandler = (cells) => this.execute(cells);
    controller.interruptHandler = () => this.kernel.interrupt();
    this.controller = controller;
    const prefer = (nb: vscode.NotebookDocument) => {
      if (nb.notebookType === NOTEBOOK_TYPE) {
        controller.updateNotebookAffinity(nb, vscode.NotebookControllerAffinity.Preferred);
      }
    };
    vscode.workspace.notebookDocuments.forEach(prefer);
    this.disposables.push(
      controller,
      vscode.workspace.onDidOpenNotebookDocument(prefer),
      vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, {
        onDidChangeCellStatusBarItems: this.footerChanged.event,
        provideCellStatusBarItems: (cell) => {
          const text = this.footers.get(cell.document.uri.toString());
          if (!text) {
            return [];
          }
          const item = new vscode.NotebookCellStatusBarItem(`$(chip) ${text}`, vscode.NotebookCellStatusBarAlignment.Right);
          item.tooltip = "Torchwise: the run's device and peak memory";
          return [item];
        },
      }),
      this.footerChanged,
    );
  }

  private async execute(cells: vscode.NotebookCell[]): Promise<void> {
    for (const cell of cells) {
      const ok = await this.executeCell(cell);
      if (!ok) {
        break; // like Jupyter: a failing cell stops the ones queued after it
      }
    }
  }

  private async executeCell(cell: vscode.NotebookCell): Promise<boolean> {
    const execution = this.controller.createNotebookCellExecution(cell);
    execution.start(Date.now());
    await execution.clearOutput();
    const sink = new CellSink(execution);
    let finished: RunFinished | undefined;
    try {
      finished = await this.kernel.runNotebookCell(cell.document.getText(), cell.document.uri, sink);
    } finally {
      await sink.flushed();
    }
    if (finished && typeof finished.executionCount === "number") {
      execution.executionOrder = finished.executionCount;
    }
    if (finished) {
      this.footers.set(cell.document.uri.toString(), footerText(finished) + (finished.warning ? ` · ⚠ ${finished.warning}` : ""));
      this.footerChanged.fire();
    }
    const ok = finished?.status === "ok";
    execution.end(ok, Date.now());
    return ok;
  }

  dispose(): void {
    this.disposables.forEach((d) => d.dispose());
  }
}
