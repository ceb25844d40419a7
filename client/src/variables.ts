// The "Torchwise Variables" view in the side bar: the kernel's user variables (name, type, shape,
// dtype, device, size, requires_grad; modules with parameter counts, mode and children), refreshed
// after every run while the view is visible. Each value is summarised in the kernel under a time
// limit (a stuck __repr__ shows as "<repr timed out>"), so a refresh never hangs.
import * as vscode from "vscode";
import { TorchwiseServer } from "./server";

export interface Variable {
  name: string;
  type?: string;
  kind?: "tensor" | "module";
  shape?: unknown;
  dtype?: string | null;
  device?: string | null;
  requiresGrad?: boolean | null;
  gradFn?: string | null;
  bytes?: number | null;
  parameters?: number;
  trainable?: number;
  training?: boolean;
  children?: string[];
  summary?: string | null;
}

type Node = { variable: Variable } | { child: string; parent: string };

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

export function describe(v: Variable): string {
  const shape = Array.isArray(v.shape) ? `(${v.shape.join(", ")}${v.shape.length === 1 ? "," : ""})` : "";
  const dtype = (v.dtype ?? "").replace("torch.", "");
  if (v.kind === "module") {
    return [
      v.type,
      `${(v.parameters ?? 0).toLocaleString("en-US")} params (${(v.trainable ?? 0).toLocaleString("en-US")} trainable)`,
      v.device ?? "",
      v.training ? "train" : "eval",
    ]
      .filter(Boolean)
      .join(" · ");
  }
  if (v.kind === "tensor") {
    return [v.type, shape, dtype, v.device ?? "", typeof v.bytes === "number" ? fmtBytes(v.bytes) : "", v.requiresGrad ? "requires_grad" : ""]
      .filter(Boolean)
      .join(" ");
  }
  return [v.type, v.summary ?? ""].filter(Boolean).join(" · ");
}

export class VariablesView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private variables: Variable[] = [];
  private message: string | undefined;
  private readonly view: vscode.TreeView<Node>;
  private stale = true;
  private refreshing: Promise<void> | undefined;

  constructor(private readonly server: TorchwiseServer) {
    this.view = vscode.window.createTreeView("torchwise.variables", { treeDataProvider: this, showCollapseAll: true });
    this.view.onDidChangeVisibility((e) => {
      if (e.visible && this.stale) {
        void this.refresh();
      }
    });
  }

  /** After a run (or a restart): refresh now when visible, else when next shown. */
  invalidate(): void {
    this.stale = true;
    if (this.view.visible) {
      void this.refresh();
    }
  }

  async refresh(): Promise<void> {
    if (this.refreshing) {
      return this.refreshing;
    }
    this.refreshing = (async () => {
      this.stale = false;
      try {
        this.variables = (await this.server.execute<Variable[]>("torchwise.listVariables", [])) ?? [];
        this.message = this.variables.length === 0 ? "The kernel has no variables yet: run a cell." : undefined;
      } catch (err) {
        this.variables = [];
        this.message = `Cannot list variables: ${err instanceof Error ? err.message : err}`;
      }
      this.view.message = this.message;
      this.changed.fire(undefined);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  getChildren(node?: Node): Node[] {
    if (!node) {
      return this.variables.map((variable) => ({ variable }));
    }
    if ("variable" in node && node.variable.kind === "module") {
      return (node.variable.children ?? []).map((child) => ({ child, parent: node.variable.name }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if ("child" in node) {
      const item = new vscode.TreeItem(node.child, vscode.TreeItemCollapsibleState.None);
      item.description = "submodule";
      item.tooltip = `${node.parent}.${node.child}`;
      return item;
    }
    const v = node.variable;
    const hasChildren = v.kind === "module" && (v.children?.length ?? 0) > 0;
    const item = new vscode.TreeItem(v.name, hasChildren ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.description = describe(v);
    const tooltip = new vscode.MarkdownString();
    tooltip.appendCodeblock(`${v.name}: ${describe(v)}`, "text");
    if (v.gradFn) {
      tooltip.appendMarkdown(`\n\ngrad_fn: \`${v.gradFn}\``);
    }
    if (v.summary && v.kind !== "module") {
      tooltip.appendMarkdown("\n\n");
      tooltip.appendText(v.summary);
    }
    item.tooltip = tooltip;
    item.contextValue = v.kind ?? "value";
    item.iconPath = new vscode.ThemeIcon(v.kind === "tensor" ? "symbol-array" : v.kind === "module" ? "symbol-class" : "symbol-variable");
    return item;
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
  }
}
