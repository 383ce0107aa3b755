"""The one parser of a check's settings (oracles, seed, tolerances) for the API, the plugin, the CLI and the config.

Every source says the same things the same way: oracles as "fd,torch" or a sequence of names, the seed as a
non-negative integer, rtol/atol as finite non-negative numbers. A bad value is a GradcheckError that echoes
`name=value` and the rule, whichever door it came in by (a keyword, a marker, an option, a config key).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from ._engine.oracles import ORACLE_NAMES
from ._engine.validate import bad, parse_flag, shown
from .errors import GradcheckError

if TYPE_CHECKING:
    from ._engine.oracles.fd import FiniteDifferences

AUTO = ("", "auto")
ALL_ORACLES = "all"
# what a check consults when no oracles are given (engine/plan.py), in the words every help text and doc uses
DEFAULT_ORACLES = "fd plus one framework (torch, else jax), the third consulted on any disagreement"
CONFIG_KEYS = ("targets", "cases", "oracles", "seed", "rtol", "atol")


def parse_oracles(value, name: str = "oracles") -> tuple[str, ...] | str | None:
    """'fd,torch' or ('fd', 'torch') -> ('fd', 'torch'); None, '' or 'auto' -> None (fd and one framework, the
    others on any disagreement); 'all' -> 'all' (every installed oracle on every check)."""
    rule, hint = f"oracles from {ORACLE_NAMES}", "write them as 'fd,torch' or a sequence of names, or 'all'"
    if value is None or (isinstance(value, str) and value.strip() in AUTO):
        return None
    if isinstance(value, str) and value.strip() == ALL_ORACLES:
        return ALL_ORACLES
    if isinstance(value, str):
        names = [n.strip() for n in value.split(",")]
    elif isinstance(value, (list, tuple)):
        names = list(value)
    else:
        raise bad(name, value, rule, hint)
    if not names or any(not isinstance(n, str) or n not in ORACLE_NAMES for n in names):
        raise bad(name, value, rule, hint)
    return tuple(dict.fromkeys(names))


def parse_seed(value, name: str = "seed") -> int:
    """A non-negative integer (an int, a numpy integer, or decimal digits from a command line or a file)."""
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
        raise bad(name, value, "a non-negative integer")
    return int(value)


def parse_tolerance(value, name: str) -> float | None:
    """None (the dtype's default) or a finite non-negative number (a number, or its text from a command line)."""
    if value is None:
        return None
    v = value
    if isinstance(value, str):
        try:
            v = float(value)
        except ValueError:
            raise bad(name, value, "a non-negative number") from None
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise bad(name, value, "a non-negative number")
    if not math.isfinite(v) or v < 0:
        raise bad(name, value, "a finite non-negative number")
    return float(v)


def parse_fd(value) -> FiniteDifferences:
    """finite differences' settings: a FiniteDifferences(...), or None for the defaults."""
    from ._engine.oracles.fd import FiniteDifferences

    if value is None:
        return FiniteDifferences()
    if not isinstance(value, FiniteDifferences):
        raise bad("fd", value, "fd=FiniteDifferences(...)")
    return value


@dataclass(frozen=True)
class Settings:
    """Validated settings of a check; None means "the default" (auto oracles, dtype tolerances)."""

    oracles: tuple[str, ...] | None = None
    seed: int | None = None  # None: not given (0 unless another source gives one)
    rtol: float | None = None
    atol: float | None = None

    @classmethod
    def parse(cls, where: str = "", **values) -> Settings:
        """Settings from raw values; `where` prefixes the names in errors ("--gradcheck-", "[tool.gradcheck] ")."""
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise GradcheckError(f"Unknown setting {where}{unknown[0]}; expected one of oracles, seed, rtol, atol")
        return cls(
            parse_oracles(values.get("oracles"), f"{where}oracles"),
            None if values.get("seed") is None else parse_seed(values["seed"], f"{where}seed"),
            parse_tolerance(values.get("rtol"), f"{where}rtol"),
            parse_tolerance(values.get("atol"), f"{where}atol"),
        )

    def over(self, base: Settings) -> Settings:
        """These settings where given, `base` elsewhere."""
        return Settings(
            self.oracles if self.oracles is not None else base.oracles,
            self.seed if self.seed is not None else base.seed,
            self.rtol if self.rtol is not None else base.rtol,
            self.atol if self.atol is not None else base.atol,
        )

    def keywords(self) -> dict:
        """As keyword arguments of check_grad / check_vjp."""
        return {"oracles": self.oracles, "seed": self.seed or 0, "rtol": self.rtol, "atol": self.atol}

    def describe_oracles(self) -> str:
        """The oracles in a run's header line: the names given, "all", or the default said in short."""
        if self.oracles is None:
            return "fd + one framework (the third on disagreement)"
        return self.oracles if isinstance(self.oracles, str) else ",".join(self.oracles)


class CheckOptions(TypedDict, total=False):
    """The keyword options every entry point takes (check_grad, check_vjp, check_backward, check_layer,
    check_function): which oracles, the tolerances, the seed, finite differences' settings, and whether a failed
    check raises, and whether the oracles run your code at float64 copies (float64=True) or in the params' own
    dtypes (float64=False, for code that only accepts float32; judged in float64 either way). Each may be left out;
    `Options` holds the defaults."""

    oracles: str | Sequence[str] | None
    rtol: float | None
    atol: float | None
    seed: int
    fd: FiniteDifferences | None
    raise_on_failure: bool
    float64: bool


@dataclass(frozen=True)
class Options:
    """CheckOptions validated before any user code runs, passed down to the engine as one value.

    oracles None: fd and one framework, the third on any disagreement; rtol/atol None: from the dtype."""

    oracles: tuple[str, ...] | str | None = None
    rtol: float | None = None
    atol: float | None = None
    seed: int = 0
    fd: FiniteDifferences | None = None
    raise_on_failure: bool = True
    float64: bool = True  # the oracles run your code at float64 copies; False: in the params' own dtypes

    @classmethod
    def parse(cls, options: dict, who: str) -> Options:
        """Options from an entry point's keywords; an unknown or bad one is a GradcheckError naming it."""
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(names))
        if unknown:
            raise GradcheckError(
                f"{who} got an unknown keyword {unknown[0]}={shown(options[unknown[0]])}; its options are "
                f"{', '.join(names)} (see gradcheck.CheckOptions) besides its own keywords"
            )
        fd = None if options.get("fd") is None else parse_fd(options["fd"])
        given = Settings.parse(**{k: options[k] for k in ("oracles", "rtol", "atol", "seed") if k in options})
        raises = parse_flag(options.get("raise_on_failure", True), "raise_on_failure")
        float64 = parse_flag(options.get("float64", True), "float64")
        return cls(given.oracles, given.rtol, given.atol, given.seed or 0, fd, raises, float64)

    def engine(self) -> dict:
        """The keywords of the engine's grad_report: all but raise_on_failure and float64 (the entry point applies
        it to the loss, own_dtype.py)."""
        return {"oracles": self.oracles, "rtol": self.rtol, "atol": self.atol, "seed": self.seed, "fd": self.fd}


@dataclass(frozen=True)
class ProjectConfig:
    """`[tool.gradcheck]` of a project's pyproject.toml: what `gradcheck run` checks, and how."""

    path: Path | None = None
    targets: tuple[str, ...] = ()
    cases: tuple[Path, ...] = ()
    settings: Settings = field(default_factory=Settings)

    @property
    def empty(self) -> bool:
        return not self.targets and not self.cases


def _strings(table: dict, key: str, where: str) -> tuple[str, ...]:
    value = table.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise bad(f"{where}{key}", value, "a list of non-empty strings")
    return tuple(v.strip() for v in value)


def read_config(path) -> ProjectConfig | None:
    """Read `[tool.gradcheck]` from a pyproject.toml (None when the file has no such table)."""
    path = Path(path)
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GradcheckError(f"Cannot read {path.name}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise GradcheckError(f"{path.name} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("gradcheck")
    if table is None:
        return None
    where = "[tool.gradcheck] "
    if not isinstance(table, dict):
        raise bad("[tool.gradcheck]", table, "a table")
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        raise GradcheckError(
            f"Unknown key {where}{unknown[0]} in {path.name}; expected one of {', '.join(CONFIG_KEYS)}"
        )
    table = {**table, "targets": _strings(table, "targets", where), "cases": _strings(table, "cases", where)}
    for target in table["targets"]:
        if target.count(":") != 1 or target.startswith(":") or target.endswith(":"):
            raise bad(f"{where}targets", target, "MODULE:NAME (e.g. 'mypkg.gradients:cases')")
    settings = Settings.parse(where, **{k: table[k] for k in ("oracles", "seed", "rtol", "atol") if k in table})
    cases = tuple(path.parent / c for c in table["cases"])
    return ProjectConfig(path, table["targets"], cases, settings)


def find_config(start) -> ProjectConfig:
    """`[tool.gradcheck]` of the nearest pyproject.toml, from `start` up (the project's root, as pytest finds
    its rootdir); an empty config if that file has no such table or there is none. A parent project's table is
    not inherited: its targets name modules relative to its own root."""
    start = Path(start).resolve()
    for directory in (start, *start.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            return read_config(candidate) or ProjectConfig(candidate)
    return ProjectConfig()
