"""Which Tart can do what: `tart --version` parsed, and the release each feature we use came in.

Old Tart does not fail politely on what it lacks: an unknown flag is a usage error at best, and
SIGUSR2 (graceful shutdown) kills a `tart run` that has no handler for it, taking the guest with
it. So every feature newer than `MINIMUM` is looked up here before it reaches `tart`, and a
refusal names the release that brought it. The first release of each was found in Tart's own
history (cirruslabs/tart: `git tag --contains <commit>`); file:line refer to its main at 2.32.x.

A development build prints `SNAPSHOT` (Sources/tart/CI/CI.swift:5, the version is
`${CIRRUS_TAG}` filled in only by a release build): it is built from main, so it counts as
newer than every release. A version that cannot be read at all (a stand-in printing something
else) counts as current too, so nothing is refused on a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_VERSION_RE = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")

Release = tuple[int, int, int]

MINIMUM: Release = (2, 0, 0)
"""The oldest Tart this project supports: `tart list/get --format json` with the `State`
field, `tart suspend` and `run --suspendable` (all 1.8.0, "Suspend/resume support" #527),
`ip --resolver` (1.1.0), `stop --timeout` (0.34.0). Everything newer is gated below."""


@dataclass(frozen=True)
class TartRelease:
    """A parsed `tart --version`: a release, or a development build (`SNAPSHOT`)."""

    raw: str
    release: Release | None
    """None for a development build or an unreadable answer (both count as newest)."""
    snapshot: bool = False

    def at_least(self, release: Release) -> bool:
        return self.release is None or self.release >= release

    @property
    def label(self) -> str:
        if self.snapshot:
            return "a development build (SNAPSHOT)"
        return self.raw or "unknown"


def parse_version(text: str) -> TartRelease:
    """`2.32.1` -> (2, 32, 1); `SNAPSHOT` -> a development build; a `v` or extra words are
    tolerated (`tart version 2.6.0`), the first dotted number wins."""
    raw = text.strip().splitlines()[0].strip() if text.strip() else ""
    if raw.upper() == "SNAPSHOT":
        return TartRelease(raw=raw, release=None, snapshot=True)
    match = _VERSION_RE.search(raw)
    if match is None:
        return TartRelease(raw=raw, release=None)
    major, minor, patch = match.groups()
    return TartRelease(raw=raw, release=(int(major), int(minor), int(patch or 0)))


@dataclass(frozen=True)
class Feature:
    key: str
    what: str
    since: Release
    source: str


def _release(value: Release) -> str:
    return ".".join(str(part) for part in value)


FEATURES: dict[str, Feature] = {
    feature.key: feature
    for feature in (
        # Exec.swift:1; added by dfbdb55 "Introduce tart exec" (#1074), first in 2.27.0
        Feature("exec", "`tart exec` (the terminal)", (2, 27, 0), "Commands/Exec.swift"),
        # IP.swift:7 `case dhcp, arp, agent`; 5793935 (#1095), first in 2.28.0
        Feature("ip-agent", "`tart ip --resolver agent`", (2, 28, 0), "Commands/IP.swift:7"),
        # Run.swift:586-587 handles SIGUSR2 (requestStop); bf5081b (#842), first in 2.12.0.
        # Before that SIGUSR2 has its default action: it kills `tart run` and the VM with it.
        Feature(
            "shutdown",
            "graceful shutdown (SIGUSR2 to `tart run`)",
            (2, 12, 0),
            "Commands/Run.swift:586",
        ),
        # Set.swift:24 randomMAC; 985db24 (#809), first in 2.10.0
        Feature("random-mac", "`tart set --random-mac`", (2, 10, 0), "Commands/Set.swift:24"),
        # Run.swift:1074 parses `tag=`; 7dcebf9 (#733), first in 2.6.0
        Feature(
            "dir-tag",
            "a shared folder's mount tag (`--dir ...,tag=`)",
            (2, 6, 0),
            "Commands/Run.swift:1074",
        ),
        # Run.swift:244 netHost; 99bbd83 (#743), first in 2.7.0
        Feature("net-host", "`tart run --net-host`", (2, 7, 0), "Commands/Run.swift:244"),
        # List.swift:10 `Accessed`; e26b376 (#1202, which also dropped `SizeOnDisk`), 2.31.0
        Feature(
            "accessed",
            "the `Accessed` column of `tart list` (prune by age)",
            (2, 31, 0),
            "Commands/List.swift:10",
        ),
        # 8e9d61d (#623, 2.2.0) refused `--dir` with `--suspendable` ("Suspending VMs with
        # shared directories is not supported"); 7115937 (#1082) removed that check: 2.27.2.
        # Run.swift:330-345 now checks only the platform and input devices.
        Feature(
            "suspendable-dirs",
            "shared folders on a suspendable VM",
            (2, 27, 2),
            "Commands/Run.swift:330",
        ),
    )
}


def refusal(tart: TartRelease | None, key: str) -> str | None:
    """Why `tart` cannot do feature `key` (naming the release it needs), or None."""
    feature = FEATURES[key]
    if tart is None or tart.at_least(feature.since):
        return None
    return (
        f"{feature.what} needs Tart {_release(feature.since)} or newer; this Mac has Tart "
        f"{tart.label}: update it with `brew upgrade cirruslabs/cli/tart`"
    )


def features_of(args: Sequence[str]) -> list[str]:
    """The gated features a `tart` argv (without the executable) uses."""
    if not args:
        return []
    used: list[str] = []
    command = args[0]
    if command == "exec":
        used.append("exec")
    elif command == "ip":
        for index, arg in enumerate(args):
            if arg == "--resolver=agent" or (
                arg == "--resolver" and index + 1 < len(args) and args[index + 1] == "agent"
            ):
                used.append("ip-agent")
    elif command == "set" and "--random-mac" in args:
        used.append("random-mac")
    elif command == "run":
        dirs = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--dir"]
        if "--net-host" in args:
            used.append("net-host")
        if any("tag=" in spec.rsplit(":", 1)[-1] for spec in dirs):
            used.append("dir-tag")
        if dirs and "--suspendable" in args:
            used.append("suspendable-dirs")
    return used


def argv_refusal(tart: TartRelease | None, args: Sequence[str]) -> str | None:
    """The first refusal among the gated features `args` uses, or None."""
    for key in features_of(args):
        reason = refusal(tart, key)
        if reason is not None:
            return reason
    return None


def allowed(tart: TartRelease | None) -> dict[str, bool]:
    """Every gated feature and whether this Tart has it (what `/api/health` reports)."""
    return {key: refusal(tart, key) is None for key in FEATURES}


def minimum_refusal(tart: TartRelease | None) -> str | None:
    """Why this Tart is older than the project supports, or None."""
    if tart is None or tart.at_least(MINIMUM):
        return None
    return (
        f"Tart {tart.label} is older than {_release(MINIMUM)}, the oldest this project supports:"
        " update it with `brew upgrade cirruslabs/cli/tart`"
    )


def release_text(value: Release) -> str:
    return _release(value)
