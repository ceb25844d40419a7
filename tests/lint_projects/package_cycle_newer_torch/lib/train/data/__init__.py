from .loader import LTRLoader
