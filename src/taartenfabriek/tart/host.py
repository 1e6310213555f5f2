"""The Mac we run on: Apple silicon or Intel, and which macOS, for what Tart offers there.

Tart compiles some flags only for arm64 (`#if arch(arm64)` in Run.swift:98-116 for
`--recovery`, `--vnc`, `--vnc-experimental`; :146 `--rosetta`; :266 `--suspendable`), so an
Intel Mac's `tart run` does not know them; `tart suspend` is registered only on macOS 14 or
newer (Root.swift:36-39) and `tart exec` refuses to run before macOS 14 (Exec.swift:32-33).

A host that is not a Mac runs a stand-in for `tart` (the simulator, a test double): it counts
as an Apple-silicon Mac on a current macOS, so everything stays available against stand-ins.
"""

from __future__ import annotations

import os
import platform
import shutil
import stat
import subprocess
import sys
import time
from dataclasses import dataclass

from .features import FEATURES, Release, TartRelease, refusal

CURRENT_MACOS: Release = (26, 0, 0)
"""What a stand-in host counts as (macOS 26 Tahoe, the newest when this was written)."""

ARM64_ONLY = ("vnc", "vnc-experimental", "suspendable", "rosetta")
"""`tart run` options compiled only on arm64 (Run.swift:98-116, 146, 266)."""
HOST_FEATURES = (*ARM64_ONLY, "suspend", "exec", "softnet")


@dataclass(frozen=True)
class Host:
    is_mac: bool
    apple_silicon: bool
    macos: Release | None
    """None when the macOS version could not be read (then nothing is refused for it)."""

    @property
    def macos_text(self) -> str:
        return ".".join(str(p) for p in self.macos).removesuffix(".0") if self.macos else "?"

    def refusal(self, feature: str) -> str | None:
        """Why this host cannot do `feature` (a `tart run` option, `suspend`, `exec`)."""
        if feature in ARM64_ONLY and not self.apple_silicon:
            return (
                f"{feature} exists only on Apple silicon Macs (Tart builds it for arm64 only); "
                "this Mac has an Intel processor"
            )
        if feature == "softnet":  # read again now and then: the user may set it up any time
            return _softnet_now() if self.is_mac else None
        if feature in ("suspend", "exec") and self.macos is not None and self.macos < (14, 0, 0):
            what = "suspending a VM" if feature == "suspend" else "`tart exec` (the terminal)"
            return f"{what} needs macOS 14 (Sonoma) or newer; this Mac runs macOS {self.macos_text}"
        return None

    def allowed(self) -> dict[str, bool]:
        return {key: self.refusal(key) is None for key in HOST_FEATURES}


def _macos_version() -> Release | None:
    text = platform.mac_ver()[0]
    parts = [int(p) for p in text.split(".") if p.isdigit()]
    if not parts:
        return None
    parts += [0, 0]
    return (parts[0], parts[1], parts[2])


def _apple_silicon() -> bool:
    """`hw.optional.arm64` is 1 on Apple silicon even for a process under Rosetta, where
    `platform.machine()` would say x86_64."""
    if platform.machine() == "arm64":
        return True
    try:
        answer = subprocess.run(
            ["/usr/sbin/sysctl", "-n", "hw.optional.arm64"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return answer.stdout.strip() == "1"


def detect(system: str | None = None) -> Host:
    """This machine; `system` (a `sys.platform` value) only for tests."""
    system = sys.platform if system is None else system
    if system != "darwin":
        return Host(is_mac=False, apple_silicon=True, macos=CURRENT_MACOS)
    return Host(is_mac=True, apple_silicon=_apple_silicon(), macos=_macos_version())


def allowances(release: TartRelease | None, host: Host | None) -> dict[str, str | None]:
    """Every gated feature -> None when this Tart on this host allows it, else why not."""
    answer: dict[str, str | None] = {key: refusal(release, key) for key in FEATURES}
    if host is not None:
        for key in HOST_FEATURES:
            answer[key] = answer.get(key) or host.refusal(key)
    return answer


SOFTNET_FIX = (
    "install it with `brew install cirruslabs/cli/softnet`, then run `tart run --net-softnet "
    "<vm>` once from a terminal: Tart asks for your password there to make softnet SUID root "
    "(Softnet.swift:101-156), which it cannot do when the server starts it"
)


_SOFTNET_TTL = 30.0
_softnet_cache: tuple[float, str | None] | None = None


def _softnet_now() -> str | None:
    """`softnet_refusal`, at most once per 30 s: health is polled, and each failed `sudo
    --non-interactive` is a line in the system's auth log."""
    global _softnet_cache
    now = time.monotonic()
    if _softnet_cache is None or now - _softnet_cache[0] > _SOFTNET_TTL:
        _softnet_cache = (now, softnet_refusal())
    return _softnet_cache[1]


def softnet_refusal(path_env: str | None = None) -> str | None:
    """Why `tart run --net-softnet` would fail when this server starts it, or None.

    Tart needs `softnet` on PATH (Softnet.swift:38-45) owned by root with the SUID bit, or
    passwordless sudo for it (`sudo --non-interactive softnet --help`, :109-132); otherwise it
    asks for a sudo password on the terminal (:134-156), and a server has no terminal.
    """
    found = shutil.which("softnet", path=path_env)
    if found is None:
        return f"softnet is not on the PATH: {SOFTNET_FIX}"
    try:
        info = os.stat(os.path.realpath(found))
    except OSError as exc:
        return f"softnet at {found} cannot be read ({exc.strerror}): {SOFTNET_FIX}"
    if info.st_uid == 0 and info.st_mode & stat.S_ISUID:
        return None
    try:
        sudo = subprocess.run(
            ["sudo", "--non-interactive", "softnet", "--help"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        sudo = None
    if sudo is not None and sudo.returncode == 0:
        return None
    return f"softnet at {found} is not set up yet (not SUID root): {SOFTNET_FIX}"
