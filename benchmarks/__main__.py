"""Run the benchmarks: `python -m benchmarks` runs the whole suite (benchmarks/suite.py).

`python -m benchmarks NAME ...` runs single benchmark modules by name, e.g. `audit` runs
benchmarks/audit_bench.py; `suite` is the whole suite.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module
from pathlib import Path


def available() -> list[str]:
    """Return the names of the benchmark modules (`<name>_bench.py`)."""
    here = Path(__file__).parent
    return sorted(
        m.name.removesuffix("_bench")
        for m in pkgutil.iter_modules([str(here)])
        if m.name.endswith("_bench")
    )


def main(argv: list[str]) -> int:
    if not argv or argv == ["suite"]:
        from benchmarks.suite import main as suite

        return suite()
    names = argv
    unknown = [n for n in names if n not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    for name in names:
        print(f"== {name}")
        import_module(f"benchmarks.{name}_bench").main()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
