// `# %%` cells: parsing, CodeLens, and the `torchwise.hasCells` context key.
import * as vscode from "vscode";

const MARKER = /^\s*#\s*%%/;

export interface Cell {
  /** Line of the `# %%` marker, or 0 for the code before the first marker. */
  start: number;
  /** Last line (inclusive). */
  end: number;
  hasMarker: boolean;
}

export function markerLines(doc: vscode.TextDocument): number[] {
  const out: number[] = [];
  for (let i = 0; i < doc.lineCount; i++) {
    if (MARKER.test(doc.lineAt(i).text)) {
      out.push(i);
    }
  }
  return out;
}

export function hasCells(doc: vscode.TextDocument): boolean {
  return markerLines(doc).length > 0;
}

/** All cells of the document, including a leading cell before the first marker when it has code. */
export function cells(doc: vscode.TextDocument): Cell[] {
  const markers = markerLines(doc);
  const result: Cell[] = [];
  if (markers.length === 0) {
    return [{ start: 0, end: Math.max(0, doc.lineCount - 1), hasMarker: false }];
  }
  if (markers[0] > 0) {
    const preamble = doc.getText(new vscode.Range(0, 0, markers[0], 0));
    if (preamble.trim()) {
      result.push({ start: 0, end: markers[0] - 1, hasMarker: false });
    }
  }
  markers.forEach((m, i) => {
    const end = i + 1 < markers.length ? markers[i + 1] - 1 : doc.lineCount - 1;
    result.push({ start: m, end, hasMarker: true });
  });
  return result;
}

export function cellAt(doc: vscode.TextDocument, line: number): Cell {
  const all = cells(doc);
  for (const cell of all) {
    if (line >= cell.start && line <= cell.end) {
      return cell;
    }
  }
  // A line in an empty preamble: the first cell.
  return all[0];
}

export class CellCodeLensProvider implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const lenses: vscode.CodeLens[] = [];
    for (const line of markerLines(doc)) {
      const range = new vscode.Range(line, 0, line, 0);
      lenses.push(
        new vscode.CodeLens(range, {
          title: "Run Cell",
          command: "torchwise.cell.run",
          arguments: [doc.uri, line],
          tooltip: "Run this cell in the Torchwise kernel",
        }),
        new vscode.CodeLens(range, {
          title: "Run Below",
          command: "torchwise.cell.runBelow",
          arguments: [doc.uri, line],
          tooltip: "Run this cell and every cell below it",
        }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Keeps the `torchwise.hasCells` context key in sync with the active editor. */
export function trackHasCells(): vscode.Disposable {
  let last: boolean | undefined;
  const update = () => {
    const editor = vscode.window.activeTextEditor;
    const value = !!editor && editor.document.languageId === "python" && hasCells(editor.document);
    if (value !== last) {
      last = value;
      void vscode.commands.executeCommand("setContext", "torchwise.hasCells", value);
    }
  };
  update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === vscode.window.activeTextEditor?.document) {
        update();
      }
    }),
  );
}
