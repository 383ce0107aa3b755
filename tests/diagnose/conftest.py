"""The diagnosis tests share backward passes with planted bugs (where_units.py), importable from the test
modules beside them."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
