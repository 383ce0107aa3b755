"""What an oracle is, as a type the judge asks instead of comparing names.

Finite differences estimate the derivative with an error bound; exact AD differentiates the code as written,
on the framework's own arrays; AD of followed code differentiates the user's numpy code run on arrays that
carry the framework's values (follow/), earned by its forward equalling the numpy forward at the point.
Followed oracles share one translation of the code, so against finite differences they count as one witness.
"""

from __future__ import annotations

import enum


class Role(enum.Enum):
    FINITE_DIFFERENCES = "finite differences"
    EXACT_AD = "exact AD"
    FOLLOWED_AD = "AD of followed code"

    @property
    def is_ad(self) -> bool:
        """Whether the oracle's gradient is a framework's derivative (every entry exact up to round-off)."""
        return self is not Role.FINITE_DIFFERENCES

    @property
    def ran_as(self) -> str:
        """How the oracle ran the user's code, for the report ('' for finite differences)."""
        return {Role.EXACT_AD: "as written", Role.FOLLOWED_AD: "numpy code followed"}.get(self, "")
