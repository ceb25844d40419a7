"""ignacio-rocco/detectorch runs its scripts with ``lib/`` put on ``sys.path``: the modules of
``lib/model/`` import each other as ``model.<name>``."""
import sys

sys.path.insert(0, "lib/")
from model.detector import Detector  # noqa: E402

print(Detector())
