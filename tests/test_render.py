"""gradcheck.render: the terminal text, Markdown and HTML of a Report say the same things; HTML is well formed."""

from html.parser import HTMLParser

import numpy as np
import pytest

import gradcheck as gc
from gradcheck import render

X = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 2.0]])


def _loss(p):
    return 0.5 * np.sum((X @ p["W1"]) ** 2) + np.sum(p["b"] ** 2)


def _grad(p, scale=1.0):
    return {"W1": scale * X.T @ (X @ p["W1"]), "b": 2 * p["b"]}


@pytest.fixture(scope="module")
def failing():
    p = {"W1": np.arange(6.0).reshape(3, 2) / 5, "b": np.ones(2)}
    return gc.check_grad(_loss, lambda q: _grad(q, 0.5), p, oracles="fd", raise_on_failure=False)


@pytest.fixture(scope="module")
def passing():
    p = {"W1": np.arange(6.0).reshape(3, 2) / 5, "b": np.ones(2)}
    return gc.check_grad(_loss, _grad, p, oracles="fd")


class Tags(HTMLParser):
    """Collects start tags with their attributes and checks that every opened tag is closed in order."""

    VOID = {"br", "hr", "img", "meta"}

    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Tags:
    t = Tags()
    t.feed(html)
    t.close()
    assert t.stack == [], t.stack
    return t


def test_html_has_the_verdict_a_parameter_table_and_the_wrong_entries_marked(failing):
    html = failing._repr_html_()
    t = parse(html)
    text = " ".join(t.text)
    assert failing.verdict in text and "diagnosis: yours = 0.5 x reference" in " ".join(text.split())
    rows = [a for tag, a in t.tags if tag == "tr"]
    wrong = [a for a in rows if a.get("class") == "wrong"]
    assert len(wrong) == int(failing.param("W1").wrong_entries().sum()) == 6  # every wrong W1 entry, marked
    headers = [d.strip() for d in t.text if d.strip() in ("parameter", "index", "yours", "fd", "difference")]
    assert headers == ["parameter", "index", "yours", "fd", "difference"]
    assert "oracles: fd" in text and "tolerance: float64" in text
    assert 'class="verdict-fail"' in html


def test_html_of_a_passing_report_and_escaping(passing):
    t = parse(passing._repr_html_())
    assert not [a for tag, a in t.tags if tag == "tr" and a.get("class") == "wrong"]
    assert "detection bound: no entry is off by more than" in " ".join(t.text)
    p = {"<W>": np.ones(2)}
    r = gc.check_grad(lambda q: np.sum(q["<W>"] ** 2), lambda q: {"<W>": 2 * q["<W>"]}, p, oracles="fd")
    html = r._repr_html_()
    assert "&lt;W&gt;" in html and "<W>" not in html
    parse(html)


def test_markdown_marks_wrong_entries_and_keeps_the_sentences(failing):
    md = failing._repr_markdown_()
    lines = md.splitlines()
    assert lines[0] == f"**❌ {failing.verdict}**"
    assert "| parameter | shape | dtype | status | worst relative error |" in lines
    marked = [line for line in lines if line.startswith("| ✗ |")]
    assert len(marked) == 6
    assert any(line.startswith("- diagnosis: yours = 0.5 x reference") for line in lines)


def test_text_is_str_and_has_one_writer(failing):
    assert str(failing) == render.text(failing)
    assert str(failing).splitlines()[0] == failing.verdict


def test_the_bound_line_never_names_a_failing_parameter(failing):
    """A failing W1 sits beside a passing b: the bound speaks of b only, and says it is about passing ones."""
    line = render.bound_line(failing)
    assert line.startswith("detection bound: the passing parameters: no entry is off by more than ")
    assert " in b " in line and "W1" not in line
    assert failing.param("W1").bound is not None  # the engine computed one; the writer leaves it out
    everything_wrong = gc.check_grad(
        lambda q: np.sum(q["a"] ** 2), lambda q: {"a": q["a"]}, {"a": np.ones(3)}, oracles="fd", raise_on_failure=False
    )
    assert render.bound_line(everything_wrong) is None
    assert "detection bound" not in str(everything_wrong)


def test_html_shows_health_checks():
    def grad_writes(p):
        g = 2 * p["a"]
        p["a"] += 1.0  # writes into its input
        return {"a": g}

    r = gc.check_grad(
        lambda p: float(np.sum(p["a"] ** 2)), grad_writes, {"a": np.ones(3)}, oracles="fd", raise_on_failure=False
    )
    text = " ".join(parse(r._repr_html_()).text)
    assert "health: mutated_input: grad wrote into its inputs (a)" in text
    assert "- health: mutated_input: grad wrote into its inputs (a)" in r._repr_markdown_()
