"""Importing this package declares every rule (the ``@rule`` decorators run).

One topic module per group of codes:
TW0xx general, TW1xx training, TW2xx losses, TW3xx modules, TW4xx amp (LINT-A);
TW5xx serialization, TW6xx tensors/autograd, TW7xx data, TW8xx deprecated (LINT-B).
"""

from torchwise.lint.rules import general  # noqa: F401
from torchwise.lint.rules import training  # noqa: F401
from torchwise.lint.rules import losses  # noqa: F401
from torchwise.lint.rules import modules  # noqa: F401
from torchwise.lint.rules import amp  # noqa: F401

# LINT-B: add the imports of your topic modules below this line.
from torchwise.lint.rules import serialization  # noqa: F401  (LINT-B)
from torchwise.lint.rules import tensors  # noqa: F401  (LINT-B)
from torchwise.lint.rules import data  # noqa: F401  (LINT-B)
from torchwise.lint.rules import deprecated  # noqa: F401  (LINT-B)
