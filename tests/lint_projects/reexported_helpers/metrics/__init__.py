"""Re-exports, as OCGNN's utils package does: the text names no effect."""
from .evaluate import eval_mode, graph_evaluate
