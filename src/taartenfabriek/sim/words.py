"""A slice of the BIP-39 English word list, for `run --vnc-experimental` passwords."""

from __future__ import annotations

import os

_TEXT = (
    "abandon ability able about above absent absorb abstract absurd abuse access accident "
    "account accuse achieve acid acoustic acquire across act action actor actress actual adapt "
    "add addict address adjust admit adult advance advice aerobic affair afford afraid again age "
    "agent agree ahead aim air airport aisle alarm album alcohol alert alien all alley allow "
    "almost alone alpha already also alter always amateur amazing among amount amused analyst "
    "anchor ancient anger angle angry animal ankle announce annual another answer antenna "
    "antique anxiety any apart apology appear apple approve april arch arctic area arena argue "
    "arm armed armor army around arrange arrest arrive arrow art artefact artist artwork ask "
    "aspect assault asset assist assume asthma athlete atom attack attend attitude attract "
    "auction audit august aunt author auto autumn average avocado avoid awake aware away awesome "
    "awful awkward axis baby bachelor bacon badge bag balance balcony ball bamboo banana banner "
    "bar barely bargain barrel base basic basket battle beach bean beauty because become beef "
    "before begin behave behind believe below belt bench benefit best betray better between "
    "beyond bicycle bid bike bind biology bird birth bitter black blade blame blanket blast "
    "bleak bless blind blood blossom blouse blue blur blush board boat body boil bomb bone bonus"
)
WORDS = tuple(_TEXT.split())


def passphrase(count: int = 4) -> str:
    picks = os.urandom(count * 2)
    return "-".join(
        WORDS[int.from_bytes(picks[i : i + 2], "big") % len(WORDS)] for i in range(0, len(picks), 2)
    )
