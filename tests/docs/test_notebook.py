"""examples/notebook.ipynb runs as saved, and its stored HTML outputs are what the Report renders today."""

import json
import re
from pathlib import Path

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebook.ipynb"


def _norm(html: str) -> str:
    return re.sub(r"\d+\.\d ms", "<t> ms", html)


def test_notebook_cells_run_and_their_outputs_are_current():
    nb = json.loads(NOTEBOOK.read_text())
    ns: dict = {}
    shown = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        if not cell["outputs"]:
            exec(source, ns)
            continue
        *body, last = source.rstrip().split("\n")
        exec("\n".join(body), ns)
        value = eval(last.split("#")[0], ns)
        stored = "".join(cell["outputs"][0]["data"]["text/html"])
        assert _norm(value._repr_html_()) == _norm(stored)
        shown.append(stored)
    failing, passing = shown
    assert 'class="verdict-fail"' in failing and failing.count('<tr class="wrong">') == 6
    assert "diagnosis: yours = 0.5 x reference" in failing
    assert 'class="verdict-ok"' in passing and 'class="wrong"' not in passing
