"""``python -m benchmarks NAME [ARGS]``: run one benchmark, or rewrite the tables.

``cost``: the TEBD cost model; ``frontier``: the error-cost frontier of the numerics (the same
as ``python -m benchmarks.frontier``); ``readme``: rewrite the measurement tables of
benchmarks/README.md from results/benchmarks/.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

_USAGE = (
    "usage: python -m benchmarks cost [--fit-only | --runs-only | --quick] [--out CSV]"
    " [--steps N]\n"
    "       python -m benchmarks frontier [--quick | --table | --plot | --compare] [...]\n"
    "       python -m benchmarks readme [--results DIR] [--readme FILE]"
)


def main(argv: list[str] | None = None) -> int:
    """Dispatch to the named benchmark."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(_USAGE)
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name == "cost":
        from .cost_model import main as cost_main

        return cost_main(rest)
    if name == "readme":
        from .readme import main as readme_main

        return readme_main(rest)
    if name == "frontier":
        from .frontier import main as frontier_main

        return frontier_main(rest)
    print(f"unknown benchmark {name!r}\n{_USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
