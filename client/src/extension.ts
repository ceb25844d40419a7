// Torchwise for VS Code: starts the language server and wires up run-cell.
import * as vscode from "vscode";
import { CellCodeLensProvider, trackHasCells } from "./cells";
import { Kernel } from "./kernel";
import { OutputPanel } from "./outputPanel";
import { onPythonEnvironmentChange } from "./python";
import { TOKEN_SECRET, TorchwiseServer } from "./server";
import { VariablesView } from "./variables";
import { TorchwiseNotebookController } from "./notebook";

let server: TorchwiseServer | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel("Torchwise", { log: true });
  context.subscriptions.push(log);
  server = new TorchwiseServer(context, log);
  const srv = server;
  const panel = new OutputPanel(log, context.extensionUri);
  const variables = new VariablesView(srv);
  const kernel = new Kernel(srv, panel, () => variables.invalidate());
  const codeLens = new CellCodeLensProvider();
  context.subscriptions.push(panel, kernel, variables, codeLens, trackHasCells(), new TorchwiseNotebookController(kernel));

  // VS Code asks for an editor's lenses a moment after its model is set, and drops that request
  // when the editor's text loses focus first (a file opened from Quick Open gets focus only as the
  // picker closes); it asks again only when the text changes, the editor is refocused or the
  // provider says its lenses changed. Activation can also come after the first editor is shown.
  // So say so once activated and a few times while a newly shown editor settles (a slow machine
  // settles later than 300 ms): each refresh re-reads the `# %%` markers, which is cheap.
  let lensTimers: ReturnType<typeof setTimeout>[] = [];
  const refreshLenses = () => {
    lensTimers.forEach(clearTimeout);
    lensTimers = [300, 1000, 3000].map((ms) => setTimeout(() => codeLens.refresh(), ms));
  };
  refreshLenses();
  context.subscriptions.push(
    vscode.window.onDidChangeActiveTextEditor(refreshLenses),
    vscode.window.onDidChangeVisibleTextEditors(refreshLenses),
    { dispose: () => lensTimers.forEach(clearTimeout) },
  );
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider({ language: "python" }, codeLens),
    vscode.commands.registerCommand("torchwise.server.restart", () => srv.restart("requested")),
    vscode.commands.registerCommand("torchwise.server.showLog", () => log.show(true)),
    vscode.commands.registerCommand("torchwise.kernel.setJupyterToken", async () => {
      const token = await vscode.window.showInputBox({
        title: "Torchwise: Jupyter Server token",
        prompt: "Kept in VS Code's secret storage (not in settings.json). Leave empty to remove it.",
        password: true,
        ignoreFocusOut: true,
      });
      if (token === undefined) {
        return;
      }
      if (token) {
        await context.secrets.store(TOKEN_SECRET, token);
      } else {
        await context.secrets.delete(TOKEN_SECRET);
      }
      void srv.restart("the Jupyter Server token changed");
    }),
    vscode.commands.registerCommand("torchwise.cell.run", (uri?: vscode.Uri, line?: number) => kernel.runCell(uri, line)),
    vscode.commands.registerCommand("torchwise.cell.runAndAdvance", () => kernel.runCellAndAdvance()),
    vscode.commands.registerCommand("torchwise.cell.runBelow", (uri?: vscode.Uri, line?: number) => kernel.runBelow(uri, line)),
    vscode.commands.registerCommand("torchwise.kernel.runSelection", () => kernel.runSelection()),
    vscode.commands.registerCommand("torchwise.kernel.interrupt", () => kernel.interrupt()),
    vscode.commands.registerCommand("torchwise.kernel.restart", () => kernel.restartKernel()),
    vscode.commands.registerCommand("torchwise.kernel.selectDevice", () => kernel.selectDevice()),
    vscode.commands.registerCommand("torchwise.kernel.showVariables", () => kernel.showVariables()),
    vscode.commands.registerCommand("torchwise.output.show", () => panel.show(false)),
    vscode.commands.registerCommand("torchwise.variables.refresh", () => variables.refresh()),
  );

  // Restart on interpreter / server / kernel settings; push the rest (lint) without a restart.
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (
        e.affectsConfiguration("torchwise.interpreter") ||
        e.affectsConfiguration("torchwise.importStrategy") ||
        e.affectsConfiguration("torchwise.server") ||
        e.affectsConfiguration("torchwise.kernel.jupyterServer") ||
        e.affectsConfiguration("torchwise.kernel.maxOutputChars")
      ) {
        // (kernel.setDefaultDevice is pushed below: the running kernel applies it, keeping its state)
        void srv.restart("settings changed");
      } else if (e.affectsConfiguration("torchwise")) {
        srv.sendConfiguration();
      }
    }),
    onPythonEnvironmentChange(() => {
      const configured = vscode.workspace.getConfiguration("torchwise").get<string>("interpreter", "");
      if (!configured.trim()) {
        void srv.restart("the Python extension's active environment changed");
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => srv.restart("the workspace is now trusted")),
  );

  void srv.restart();
}

export async function deactivate(): Promise<void> {
  await server?.dispose();
  server = undefined;
}
