// Finding the Python interpreter that runs the language server (and, by default, the kernel).
import * as cp from "child_process";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";

export const MIN_PYTHON: [number, number] = [3, 10];

export interface Interpreter {
  /** Absolute path (or a command found on PATH) of the Python executable. */
  path: string;
  /** Where it came from, for messages. */
  source: "setting torchwise.interpreter" | "the Python extension's active environment" | "python3 on PATH";
}

export interface PythonInfo {
  executable: string;
  version: [number, number, number];
}

export class InterpreterError extends Error {}

function expand(value: string, folder: vscode.WorkspaceFolder | undefined): string {
  let out = value.trim();
  if (out.startsWith("~")) {
    out = path.join(os.homedir(), out.slice(1));
  }
  const root = folder?.uri.fsPath ?? "";
  out = out.replace(/\$\{workspaceFolder\}/g, root).replace(/\$\{userHome\}/g, os.homedir());
  if (root && !path.isAbsolute(out) && (out.includes("/") || out.includes("\\"))) {
    out = path.join(root, out);
  }
  return out;
}

async function fromPythonExtension(resource: vscode.Uri | undefined): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) {
    return undefined;
  }
  try {
    const api: any = ext.isActive ? ext.exports : await ext.activate();
    const envs = api?.environments;
    if (envs?.getActiveEnvironmentPath) {
      const active = envs.getActiveEnvironmentPath(resource);
      const resolved = await envs.resolveEnvironment(active);
      const exe: string | undefined = resolved?.executable?.uri?.fsPath ?? active?.path;
      if (exe) {
        return exe;
      }
    }
    const details = api?.settings?.getExecutionDetails?.(resource);
    const cmd: string[] | undefined = details?.execCommand;
    if (cmd && cmd.length === 1) {
      return cmd[0];
    }
  } catch {
    // The Python extension failing must not stop us: fall through to python3.
  }
  return undefined;
}

/** Subscribe to the Python extension's environment changes (no-op without it). */
export function onPythonEnvironmentChange(listener: () => void): vscode.Disposable {
  const ext = vscode.extensions.getExtension("ms-python.python");
  if (!ext) {
    return new vscode.Disposable(() => undefined);
  }
  let disposable: vscode.Disposable | undefined;
  let disposed = false;
  Promise.resolve(ext.isActive ? ext.exports : ext.activate())
    .then((api: any) => {
      const event = api?.environments?.onDidChangeActiveEnvironmentPath;
      if (event && !disposed) {
        disposable = event(() => listener());
      }
    })
    .catch(() => undefined);
  return new vscode.Disposable(() => {
    disposed = true;
    disposable?.dispose();
  });
}

function insideWorkspace(file: string): boolean {
  const resolved = path.resolve(file);
  return (vscode.workspace.workspaceFolders ?? []).some((f) => {
    const rel = path.relative(f.uri.fsPath, resolved);
    return !!rel && !rel.startsWith("..") && !path.isAbsolute(rel);
  });
}

export async function findInterpreter(): Promise<Interpreter> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  const configured = vscode.workspace.getConfiguration("torchwise", folder?.uri).get<string>("interpreter", "");
  if (configured && configured.trim()) {
    const expanded = expand(configured, folder);
    if (vscode.workspace.isTrusted || !insideWorkspace(expanded)) {
      return { path: expanded, source: "setting torchwise.interpreter" };
    }
  }
  const fromExt = await fromPythonExtension(folder?.uri);
  // In an untrusted workspace, never start an interpreter that lives inside the workspace (a
  // checked-in venv is workspace code): fall back to python3 on PATH.
  if (fromExt && (vscode.workspace.isTrusted || !insideWorkspace(fromExt))) {
    return { path: fromExt, source: "the Python extension's active environment" };
  }
  return { path: "python3", source: "python3 on PATH" };
}

/** Run the interpreter once to learn its version; throws InterpreterError with a clear message. */
export function inspectInterpreter(interp: Interpreter): Promise<PythonInfo> {
  const script = "import sys; print(sys.version_info[0], sys.version_info[1], sys.version_info[2]); print(sys.executable)";
  return new Promise((resolve, reject) => {
    cp.execFile(interp.path, ["-I", "-c", script], { timeout: 20000, windowsHide: true }, (err, stdout, stderr) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        const why =
          code === "ENOENT"
            ? "was not found"
            : code === "EACCES"
              ? "is not executable"
              : `did not run (${(stderr || err.message).trim().split("\n").pop()})`;
        reject(
          new InterpreterError(
            `Torchwise: the Python interpreter '${interp.path}' (from ${interp.source}) ${why}. ` +
              `Set 'torchwise.interpreter' to a Python ${MIN_PYTHON.join(".")} or newer.`,
          ),
        );
        return;
      }
      const [versionLine, exeLine] = stdout.trim().split(/\r?\n/);
      const parts = (versionLine ?? "").split(" ").map((v) => parseInt(v, 10));
      if (parts.length !== 3 || parts.some((v) => Number.isNaN(v))) {
        reject(new InterpreterError(`Torchwise: '${interp.path}' (from ${interp.source}) does not look like Python: ${stdout.trim()}`));
        return;
      }
      const version = parts as [number, number, number];
      if (version[0] < MIN_PYTHON[0] || (version[0] === MIN_PYTHON[0] && version[1] < MIN_PYTHON[1])) {
        reject(
          new InterpreterError(
            `Torchwise needs Python ${MIN_PYTHON.join(".")} or newer, but '${interp.path}' (from ${interp.source}) is Python ` +
              `${version.join(".")}. Set 'torchwise.interpreter' to a newer Python.`,
          ),
        );
        return;
      }
      resolve({ executable: exeLine?.trim() || interp.path, version });
    });
  });
}
