"""`python -m gradcheck`: the same as the `gradcheck` command."""

from gradcheck.cli import main

raise SystemExit(main())
