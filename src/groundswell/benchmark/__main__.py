"""Make the example profiles again: ``python -m groundswell.benchmark [FOLDER]``.

One profile per shape of the synthetic organisation (:func:`groundswell.synth.generate` grows
departments and levels with the head count): small (120 people: 6 departments, 4 levels),
mid-sized (1,000: 8 departments, 5 levels) and large (2,500: 8 departments, 6 levels). Each
is generated with seed 0, ingested (org chart and events), analysed with the default settings
and exported labelled synthetic. Written to ``FOLDER`` (default: the package's ``profiles``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from groundswell import benchmark
from groundswell.demo import synthetic_profile

#: file name -> (people, label)
SHAPES = {
    "synthetic-small.json": (120, "synthetic small (about 120 people)"),
    "synthetic-mid.json": (1000, "synthetic mid-sized (about 1,000 people)"),
    "synthetic-large.json": (2500, "synthetic large (about 2,500 people)"),
}


def main(argv: list[str]) -> None:
    folder = Path(argv[0]) if argv else Path(benchmark.__file__).parent / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    for name, (n, label) in SHAPES.items():
        profile = synthetic_profile(n, label)
        (folder / name).write_text(json.dumps(profile, indent=2, sort_keys=True) + "\n")
        print(f"{folder / name}: {label}")


if __name__ == "__main__":
    main(sys.argv[1:])
