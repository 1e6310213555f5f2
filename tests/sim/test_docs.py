"""Every TART_SIM_* knob the simulator reads is documented, in `knobs` and docs/tart-sim.md."""

from __future__ import annotations

import re
from pathlib import Path

import taartenfabriek.sim.knobs as knobs

SIM = Path(knobs.__file__).parent
DOCS = Path(__file__).parents[2] / "docs" / "tart-sim.md"


def _knobs_used() -> set[str]:
    used: set[str] = set()
    for path in SIM.rglob("*.py"):
        used |= set(re.findall(r"TART_SIM_[A-Z_]+[A-Z]", path.read_text(encoding="utf-8")))
    return used


def test_every_knob_is_documented() -> None:
    used = _knobs_used()
    assert len(used) > 20
    docstring = knobs.__doc__ or ""
    docs = DOCS.read_text(encoding="utf-8")
    assert sorted(k for k in used if k not in docstring) == []
    assert sorted(k for k in used if k not in docs) == []
