"""The entry-point tests share small hand-written layers (entry_layers.py) and custom autograd functions
(entry_functions.py), importable from the test modules beside them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
