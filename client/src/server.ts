// Starting, restarting and talking to the Torchwise language server (`python -m torchwise serve`).
import * as cp from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
} from "vscode-languageclient/node";
import { findInterpreter, inspectInterpreter, Interpreter, InterpreterError, PythonInfo } from "./python";

export type ServerState = "starting" | "running" | "failed" | "stopped";

/** The options the server reads (see server/torchwise/config.py), built from the `torchwise.*` settings. */
/** Key of the Jupyter Server token in VS Code's SecretStorage ("Torchwise: Set Jupyter Server Token"). */
export const TOKEN_SECRET = "torchwise.kernel.jupyterServer.token";

/** The token last read from SecretStorage (read before each start and on changes). */
let storedToken: string | undefined;

export async function loadToken(context: vscode.ExtensionContext): Promise<void> {
  storedToken = (await context.secrets.get(TOKEN_SECRET)) || undefined;
}

export function buildOptions(interpreter: string | undefined): Record<string, unknown> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const cfg = vscode.workspace.getConfiguration("torchwise", folder?.uri);
  const trusted = vscode.workspace.isTrusted;
  const options: Record<string, unknown> = {
    trusted,
    // VS Code shows the snippets contributed in package.json natively.
    snippets: false,
    runtimeDocs: cfg.get<boolean>("runtimeDocs", true),
    lint: {
      enabled: cfg.get<boolean>("lint.enabled", true),
      select: cfg.get<string[]>("lint.select", []),
      ignore: cfg.get<string[]>("lint.ignore", []),
      debounceMs: cfg.get<number>("lint.debounceMs", 250),
    },
    kernel: {
      jupyterServer: {
        url: trusted ? cfg.get<string>("kernel.jupyterServer.url", "") : "",
        // SecretStorage first; the plain-text setting is the deprecated fallback
        token: trusted ? storedToken ?? cfg.get<string>("kernel.jupyterServer.token", "") : "",
      },
      maxOutputChars: cfg.get<number>("kernel.maxOutputChars", 200000),
      setDefaultDevice: cfg.get<boolean>("kernel.setDefaultDevice", false),
      shapeHints: cfg.get<boolean>("kernel.shapeHints", false),
    },
  };
  if (interpreter) {
    options.interpreter = interpreter;
  }
  return options;
}

/** Where the Python packages bundled in the .vsix live (scripts/bundle-python-libs.sh fills it). */
export function pythonPath(context: vscode.ExtensionContext): string {
  const bundled = path.join(context.extensionPath, "bundled", "libs");
  const parts: string[] = [];
  if (fs.existsSync(path.join(bundled, "torchwise"))) {
    parts.push(bundled);
  } else {
    // Development checkout: the source tree (its dependencies must be in the interpreter).
    parts.push(path.join(context.extensionPath, "server"));
  }
  return parts.join(path.delimiter);
}

/** The version of torchwise importable by ``python`` on its own (no bundled path), or undefined. */
export function installedTorchwise(python: string): Promise<string | undefined> {
  const script = "import torchwise, sys; sys.stdout.write(torchwise.__version__)";
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  return new Promise((resolve) => {
    cp.execFile(python, ["-c", script], { timeout: 20000, windowsHide: true, env }, (err, stdout) => {
      resolve(err ? undefined : stdout.trim() || undefined);
    });
  });
}

export class TorchwiseServer implements vscode.Disposable {
  client: LanguageClient | undefined;
  state: ServerState = "stopped";
  interpreter: Interpreter | undefined;
  python: PythonInfo | undefined;
  lastError: string | undefined;

  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  readonly onDidChangeState = this.stateEmitter.event;
  private readonly clientEmitter = new vscode.EventEmitter<LanguageClient>();
  /** Fired with each new client before it starts: register notification handlers here. */
  readonly onDidCreateClient = this.clientEmitter.event;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
  ) {}

  private setState(state: ServerState): void {
    this.state = state;
    this.stateEmitter.fire(state);
  }

  /** Start (or restart) the server; calls are serialized. */
  restart(reason?: string): Promise<void> {
    this.queue = this.queue.then(() => this.doRestart(reason)).catch(() => undefined);
    return this.queue;
  }

  private async doRestart(reason?: string): Promise<void> {
    if (reason) {
      this.log.info(`Restarting the Torchwise server: ${reason}`);
    }
    await this.stopClient();
    this.setState("starting");
    this.lastError = undefined;
    let interp: Interpreter;
    let info: PythonInfo;
    try {
      interp = await findInterpreter();
      info = await inspectInterpreter(interp);
    } catch (err) {
      const message = err instanceof InterpreterError ? err.message : `Torchwise: cannot use the Python interpreter: ${err}`;
      this.fail(message, true);
      return;
    }
    this.interpreter = interp;
    this.python = info;
    this.log.info(`Using Python ${info.version.join(".")} at ${info.executable} (from ${interp.source})`);

    const cfg = vscode.workspace.getConfiguration("torchwise");
    await loadToken(this.context);
    const env: NodeJS.ProcessEnv = { ...process.env };
    const own = cfg.get<string>("importStrategy", "useBundled") === "fromEnvironment"
      ? await installedTorchwise(info.executable)
      : undefined;
    if (own) {
      // the torchwise installed in the interpreter: the same version as the project's CI
      this.log.info(`Using torchwise ${own} installed in ${info.executable} (torchwise.importStrategy: fromEnvironment)`);
    } else {
      if (cfg.get<string>("importStrategy", "useBundled") === "fromEnvironment") {
        this.log.warn(`torchwise is not installed in ${info.executable}; using the bundled one (torchwise.importStrategy: fromEnvironment)`);
      }
      const extra = pythonPath(this.context);
      env.PYTHONPATH = env.PYTHONPATH ? `${extra}${path.delimiter}${env.PYTHONPATH}` : extra;
    }
    env.PYTHONUNBUFFERED = "1";
    delete env.PYTHONHOME;
    const serverOptions: ServerOptions = {
      command: info.executable,
      args: ["-m", "torchwise", "serve", "--log-level", cfg.get<string>("server.logLevel", "info")],
      options: { env, cwd: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
        // Jupyter notebook cells: the server declares notebookDocumentSync, so the cells
        // travel as notebookDocument/* (one module per notebook), and hovers reach them.
        { notebook: "jupyter-notebook", language: "python" },
      ],
      outputChannel: this.log,
      // editing [tool.torchwise] (also outside VS Code) re-lints the open files
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/pyproject.toml") },
      initializationOptions: buildOptions(info.executable),
      initializationFailedHandler: (error) => {
        this.log.error(`Torchwise server failed to initialize: ${error}`);
        return false;
      },
      connectionOptions: { maxRestartCount: 3 },
    };
    const client = new LanguageClient("torchwise", "Torchwise", serverOptions, clientOptions);
    this.client = client;
    client.onDidChangeState((e) => {
      if (this.client !== client) {
        return;
      }
      if (e.newState === State.Running) {
        this.lastError = undefined;
        this.setState("running");
      } else if (e.newState === State.Starting && this.state === "failed") {
        this.setState("starting");
      } else if (e.newState === State.Stopped && this.state === "running") {
        // The client restarts a crashed server a few times by itself and says so when it gives up.
        this.fail("Torchwise: the language server stopped. See the Torchwise output for its log; run 'Torchwise: Restart Server' to start it again.", false);
      }
    });
    this.clientEmitter.fire(client);
    try {
      await client.start();
      const torchwiseInfo = client.initializeResult?.serverInfo;
      this.log.info(
        `Torchwise language server started: ${torchwiseInfo?.name ?? "torchwise"} ${torchwiseInfo?.version ?? ""} on Python ${info.version.join(".")} (${info.executable})`,
      );
      this.setState("running");
    } catch (err) {
      this.client = undefined;
      this.fail(
        `Torchwise: the language server did not start with '${info.executable}': ${err instanceof Error ? err.message : err}. See the Torchwise output for its log.`,
        true,
      );
      try {
        await client.dispose(2000);
      } catch {
        // already gone
      }
    }
  }

  private fail(message: string, notify: boolean): void {
    this.lastError = message;
    this.log.error(message);
    this.setState("failed");
    if (notify) {
      void vscode.window.showErrorMessage(message, "Show Log", "Open Settings").then((choice) => {
        if (choice === "Show Log") {
          this.log.show(true);
        } else if (choice === "Open Settings") {
          void vscode.commands.executeCommand("workbench.action.openSettings", "torchwise.interpreter");
        }
      });
    }
  }

  private async stopClient(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (err) {
        this.log.warn(`Stopping the server: ${err}`);
      }
      try {
        await client.dispose();
      } catch {
        // ignore
      }
      this.setState("stopped");
    }
  }

  /** Push changed settings to the running server (no restart). */
  sendConfiguration(): void {
    if (this.client && this.state === "running") {
      void this.client.sendNotification(DidChangeConfigurationNotification.type, {
        settings: { torchwise: buildOptions(this.python?.executable) },
      });
    }
  }

  /** `workspace/executeCommand` on the server; throws a clear Error when it is not running. */
  async execute<T = unknown>(command: string, args: unknown[] = []): Promise<T> {
    const client = this.client;
    if (!client || this.state !== "running") {
      throw new Error(this.lastError ?? "Torchwise: the language server is not running.");
    }
    return (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args })) as T;
  }

  async dispose(): Promise<void> {
    await this.stopClient();
    this.stateEmitter.dispose();
    this.clientEmitter.dispose();
  }
}
