"""The judge's input and output as values: the evidence it reads (plain data, no callables) and the verdict
per parameter it returns, with its reasons (kink entries, differences between calls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

import numpy as np

from ..compare.entries import Comparison, absmax
from ..oracles import EntryFD, OracleResult
from ..oracles.taylor import TaylorResult
from ..record.calls import Repeat


class Status(str, Enum):
    """A judged parameter's status (structural statuses come from structure.py)."""

    OK = "ok"
    MISMATCH = "mismatch"
    NONDETERMINISTIC = "nondeterministic"
    UNRESOLVED = "unresolved"  # fd alone never saw the loss move: no verdict either way


@dataclass(frozen=True)
class Claim:
    """The user's gradient for parameter `block` (structure already matched; float64 values)."""

    block: int
    name: str
    dtype: str
    yours: np.ndarray

    @cached_property
    def largest(self) -> float:
        """max |yours| ignoring NaN, taken once (the judge's rules ask it several times: at 1e6 entries 0.5 ms)."""
        return absmax(self.yours)


@dataclass(frozen=True)
class TaylorRun:
    """The Taylor test of one block along `direction` (that block's part of it)."""

    result: TaylorResult
    direction: np.ndarray


@dataclass(frozen=True)
class Evidence:
    """Everything the judge reads: plain data, no callables."""

    claims: tuple[Claim, ...]
    results: dict[str, OracleResult]
    repeat: Repeat
    f0: float
    loss_eps: float = float(np.finfo(np.float64).eps)  # relative precision of the loss values
    rtol: float | None = None
    atol: float | None = None
    reexamined: dict[int, tuple[EntryFD, ...]] = field(default_factory=dict)
    taylor: dict[int, TaylorRun] = field(default_factory=dict)
    own_roundoff: dict[str, np.ndarray] = field(default_factory=dict)  # |yours - your code at float64 params|


@dataclass(frozen=True)
class KinkEntry:
    """One entry at a kink: the one-sided slopes and where yours lies between them."""

    index: tuple
    left: float
    right: float
    yours: float
    inside: bool

    def position(self) -> str:
        """Which subgradient yours is, in words."""
        if not self.inside:
            return f"outside [{min(self.left, self.right):.4g}, {max(self.left, self.right):.4g}]: not a subgradient"
        span = self.right - self.left
        t = (self.yours - self.left) / span if span else 0.5
        if abs(t) <= 0.05:
            return "the left slope"
        if abs(t - 1) <= 0.05:
            return "the right slope"
        return f"between the left and right slopes ({t:.0%} of the way)"


@dataclass(frozen=True)
class Noise:
    """A difference between two calls at the same point, against its round-off level."""

    what: str  # "loss" or a parameter name
    difference: float
    level: float

    @property
    def withholds(self) -> bool:
        return not self.difference <= self.level  # inf and NaN withhold

    @property
    def times(self) -> float:
        return self.difference / self.level if self.level > 0 else float("inf")


@dataclass(frozen=True)
class Verdict:
    """One parameter's verdict and the reasons for it."""

    name: str
    status: Status
    comparisons: dict[str, Comparison]
    trusted: tuple[str, ...]
    set_aside: dict[str, str]
    oracles_disagree: bool
    kinks: tuple[KinkEntry, ...]
    notes: tuple[str, ...]
    bound: float
    refs: dict[str, np.ndarray]
    fd_error: np.ndarray | None
    taylor: TaylorResult | None = None
    message: str = ""


@dataclass(frozen=True)
class Judgement:
    verdicts: tuple[Verdict, ...]
    noise: tuple[Noise, ...]  # every difference seen between two calls (withholding or not)
