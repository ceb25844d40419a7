"""Runtime-docstring worker: runs on the *workspace* interpreter, never in the server.

torch attaches the docstrings of its C-implemented functions at import time, so
static tools cannot see them. This script imports torch in its own process and
answers JSON-line requests on stdin:

    {"names": ["torch.sum", "torch.Tensor.add_"]}
    -> {"results": {"torch.sum": {"doc": "...", "signature": "...", "kind": "function"}, "torch.nope": null}}

Its first line on stdout is ``{"ready": true, "torch": "<version>"}`` or
``{"ready": false, "error": "..."}``. It exits when stdin closes. Stdlib only:
torchwise is not installed in the workspace interpreter.
"""

import importlib
import inspect
import json
import sys


def resolve(qualname):
    parts = qualname.split(".")
    if parts[0] not in ("torch", "torchvision", "torchaudio"):
        return None
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def describe(obj):
    doc = inspect.getdoc(obj) or ""
    try:
        signature = str(inspect.signature(obj))
    except (TypeError, ValueError):
        signature = ""
    if inspect.ismodule(obj):
        kind = "module"
    elif inspect.isclass(obj):
        kind = "class"
    elif callable(obj):
        kind = "function"
    else:
        kind = "attribute"
        if not doc or doc == inspect.getdoc(type(obj)):
            doc = f"{type(obj).__module__}.{type(obj).__qualname__} value: {obj!r}"[:500]
    return {"doc": doc[:20000], "signature": signature, "kind": kind}


def main():
    out = sys.stdout
    try:
        import torch  # noqa: F401
    except Exception as exc:  # report and keep answering "unknown"
        out.write(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}) + "\n")
        out.flush()
        return 1
    out.write(json.dumps({"ready": True, "torch": torch.__version__}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            results = {}
            for name in request.get("names", []):
                try:
                    obj = resolve(name)
                    results[name] = None if obj is None else describe(obj)
                except Exception:
                    results[name] = None
            out.write(json.dumps({"results": results}) + "\n")
        except Exception as exc:
            out.write(json.dumps({"error": repr(exc)}) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
