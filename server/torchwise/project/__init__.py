"""The project model: what the user's workspace defines, for hover, lint and completion.

Shaped after three tools that divide this work well:

- **Inputs and queries** (rust-analyzer): the only inputs are file texts (open documents
  override the disk) and the workspace folders. Everything else is a memoized query
  over them: a module's parsed unit is keyed by its content hash, and semantic facts
  (what ``pkg.Net`` is, the bases of a class, what a function returns, what callers pass)
  are keyed by the query's arguments and a *revision* that every input change bumps.
  Nothing is pushed eagerly; a hover resolves only the modules its answer needs.
- **An import resolver apart** (pyright): :mod:`.resolver` maps dotted module names to
  files of the workspace folders (``src/`` layouts, packages, namespace packages, multi-root)
  without importing anything; third-party code and torch never enter (torch comes from the
  knowledge base). :mod:`.sys_path` reads the folders a script adds to ``sys.path`` itself
  (HRNet's ``import _init_paths``), for imports nothing else resolves.
- **Plain data that rules query** (ruff's ``SemanticModel``): :mod:`.summaries` turns one
  module's :class:`~torchwise.analysis.Analysis` (the single-file unit: bindings, scopes,
  classes) into a :class:`~.summaries.ModuleSummary` of names, classes, attributes and
  functions; :mod:`.inference` answers cross-module questions for an ``Analysis`` through
  its ``env`` (a :class:`~.inference.ProjectEnv`), so names of other modules resolve
  with the same ``Value`` vocabulary as torch names: ``pkg.models.net.Net``.

:mod:`.effects` summarises what a function does to models and optimizers (modes,
backward, steps, clearing gradients), through the file's helpers and ``self`` methods with
a bounded depth, for the lint rules (:mod:`.regions`: where a function's own code runs
with grad off or under autocast); :mod:`.callers` types un-annotated parameters from
the project's call sites; :mod:`.layers` renders an ``nn.Module`` subclass's layers.

:mod:`.model` holds the caches and the revision; :mod:`.lsp` wires it to the server
(watched files, workspace folders, background indexing). Nothing here imports torch or
runs workspace code.
"""

from torchwise.project.model import Project

__all__ = ["Project"]
