"""Running a check: which oracles are consulted and when, the judge asked, and the report assembled once from its
values."""
