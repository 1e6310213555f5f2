"""`taartenfabriek doctor`: what is off on this Mac, each finding with its fix.

Runs without the server and without network, only local commands (`tart --version`, `tart
list`, `tart ip`, `launchctl print`) and one TCP probe into a running guest. A check that
cannot be made here (not a Mac, no running VM) passes and says what it could not check, so on
Linux against tart-sim the doctor still answers; a check that finds a fault fails and the
command exits 1.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from .care import launchagent
from .core.settings import Settings
from .tart.features import FEATURES as TART_FEATURES
from .tart.features import (
    MINIMUM,
    TartRelease,
    minimum_refusal,
    parse_version,
    refusal,
    release_text,
)
from .tart.home import resolve_tart_home
from .tart.host import Host, detect, softnet_refusal

GB = 1000**3
MIN_FREE_GB = 25
"""Below this a common image does not fit (Linux images are about 20 GB, macOS 50 to 100)."""

INSTALL_TART = "install Tart with `brew install cirruslabs/cli/tart` (or set TARTVM_TART_PATH)"
LOCAL_NETWORK_FIX = (
    "allow the Local Network permission for the app that runs this server (System Settings > "
    "Privacy & Security > Local Network), or exclude the ranges Tart's VMs use as Tart's FAQ "
    "(docs/faq.md, 'Avoiding the Local Network permission pop-up') shows: `sudo defaults write "
    'com.apple.network.local-network AllowedEthernetLocalNetworkAddresses -array "10.0.0.0/8" '
    '"172.16.0.0/12" "192.168.0.0/16"`, the same for AllowedWiFiLocalNetworkAddresses, then '
    "restart the Mac"
)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass
class Doctor:
    settings: Settings
    environ: Mapping[str, str]
    host: Host
    run: Callable[[list[str], Mapping[str, str], float], tuple[int, str, str]]
    probe_timeout: float = 3.0
    reach: Callable[..., tuple[bool, str]] | None = None
    """How a guest's IP is probed (default `probe`)."""

    @property
    def tart_home(self) -> Path:
        return resolve_tart_home(self.settings.tart_home, self.environ)

    def tart_env(self) -> dict[str, str]:
        return {**self.environ, "TART_HOME": str(self.tart_home)}

    def tart(self, *args: str, timeout: float = 15) -> tuple[int, str, str]:
        return self.run([self.settings.tart_path, *args], self.tart_env(), timeout)

    # --- the checks ------------------------------------------------------------------------

    def check_tart(self) -> tuple[Check, TartRelease | None]:
        found = shutil.which(self.settings.tart_path, path=self.environ.get("PATH"))
        if found is None:
            detail = f"no `{self.settings.tart_path}` on the PATH"
            return Check("tart", False, detail, INSTALL_TART), None
        code, out, err = self.tart("--version")
        if code != 0:
            reason = (err or out).strip().splitlines()[-1:] or [f"exit code {code}"]
            return (
                Check("tart", False, f"{found} --version failed: {reason[0]}", INSTALL_TART),
                None,
            )
        release = parse_version(out)
        old = minimum_refusal(release)
        if old is not None:
            return Check(
                "tart", False, f"{found}: {old}", "brew upgrade cirruslabs/cli/tart"
            ), release
        missing = [key for key in TART_FEATURES if refusal(release, key) is not None]
        detail = (
            f"Tart {release.label} at {found} (this project needs {release_text(MINIMUM)} or newer)"
        )
        if missing:
            detail += "; lacks what later releases added: " + ", ".join(
                f"{TART_FEATURES[key].what} ({release_text(TART_FEATURES[key].since)})"
                for key in missing
            )
            return Check("tart", True, detail, "brew upgrade cirruslabs/cli/tart"), release
        return Check("tart", True, detail), release

    def check_host(self) -> Check:
        host = self.host
        if not host.is_mac:
            return Check(
                "host",
                True,
                "not a Mac: Apple silicon and the macOS version cannot be checked here; a "
                "stand-in for tart counts as Apple silicon on a current macOS",
            )
        chip = "Apple silicon" if host.apple_silicon else "an Intel processor"
        detail = f"macOS {host.macos_text} on {chip}"
        if not host.apple_silicon:
            return Check("host", False, detail, "Tart runs VMs on Apple silicon Macs only")
        if host.macos is not None and host.macos < (13, 0, 0):
            return Check("host", False, detail, "Tart needs macOS 13 (Ventura) or newer")
        if host.macos is not None and host.macos < (14, 0, 0):
            detail += "; suspend and the terminal (`tart exec`) need macOS 14"
        return Check("host", True, detail)

    def check_tart_home(self) -> Check:
        home = self.tart_home
        probe = home
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            return Check(
                "tart_home",
                False,
                f"TART_HOME {home} cannot be written ({probe} is not writable)",
                "point TART_HOME (or TARTVM_TART_HOME) at a folder you own",
            )
        free = shutil.disk_usage(probe).free / GB
        detail = f"TART_HOME {home}{'' if home.exists() else ' (not made yet)'}; {free:.1f} GB free"
        if free < MIN_FREE_GB:
            return Check(
                "tart_home",
                False,
                detail,
                f"free at least {MIN_FREE_GB} GB: prune cached images (`tart prune --entries "
                "caches --space-budget 0`, or the Storage page), or delete VMs you no longer need",
            )
        return Check("tart_home", True, detail)

    def check_softnet(self) -> Check:
        if not self.host.is_mac:
            return Check("softnet", True, "not a Mac: Softnet's setup cannot be checked here")
        reason = softnet_refusal(self.environ.get("PATH"))
        if reason is None:
            return Check("softnet", True, "softnet is set up: `--net-softnet` starts work")
        fix = reason.split(": ", 1)[1]
        if "not on the PATH" in reason:  # optional: only isolated networking needs it
            return Check(
                "softnet", True, "softnet is not installed: softnet networking is off", fix
            )
        return Check("softnet", False, reason.split(": ", 1)[0], fix)

    def check_local_network(self, release: TartRelease | None) -> Check:
        name = "local_network"
        if not self.host.is_mac:
            return Check(
                name, True, "not a Mac: macOS's Local Network permission cannot be checked"
            )
        if self.host.macos is not None and self.host.macos < (15, 0, 0):
            return Check(
                name, True, f"macOS {self.host.macos_text} has no Local Network permission"
            )
        if release is None:
            return Check(name, True, "not checked: tart is not available to find a running guest")
        guest = self._running_guest()
        if guest is None:
            return Check(
                name,
                True,
                "not checked: macOS has no query for it, and no running VM with an IP to probe; "
                "start one and run the doctor again",
            )
        vm, address = guest
        reached, why = (self.reach or probe)(address, timeout=self.probe_timeout)
        if reached:
            return Check(name, True, f"reached {vm} at {address}")
        return Check(name, False, f"cannot reach {vm} at {address}: {why}", LOCAL_NETWORK_FIX)

    def _running_guest(self) -> tuple[str, str] | None:
        code, out, _ = self.tart("list", "--format", "json")
        if code != 0:
            return None
        with contextlib.suppress(ValueError, TypeError):
            for row in json.loads(out):
                running = row.get("State") == "running" or row.get("Running") is True
                if running and row.get("Source", "local") == "local":
                    ip_code, ip_out, _ = self.tart("ip", str(row["Name"]))
                    if ip_code == 0 and ip_out.strip():
                        return str(row["Name"]), ip_out.strip().splitlines()[0]
        return None

    def check_launch_agent(self) -> Check:
        name = "launch_agent"
        installed = launchagent.read_installed()
        if installed is None:
            return Check(
                name,
                True,
                f"not installed ({launchagent.plist_path()}): the server runs only when started",
                "`taartenfabriek service install` starts it at login (optional)",
            )
        if not launchagent.can_run_launchctl():
            return Check(name, True, "installed; whether it is loaded cannot be checked off macOS")
        plan = launchagent.status_plan()
        try:
            (_argv, code, _out), *_ = launchagent.apply(
                launchagent.Plan(plist=plan.plist, commands=plan.commands)
            )
        except (OSError, subprocess.SubprocessError) as exc:
            return Check(name, False, f"installed, but launchctl failed: {exc}")
        if code == 0:
            return Check(name, True, f"installed and loaded ({plan.plist})")
        return Check(
            name,
            False,
            f"installed ({plan.plist}) but not loaded",
            "`taartenfabriek service install` loads it again; its log is in the state folder",
        )

    def checks(self) -> list[Check]:
        tart, release = self.check_tart()
        return [
            tart,
            self.check_host(),
            self.check_tart_home(),
            self.check_softnet(),
            self.check_local_network(release),
            self.check_launch_agent(),
        ]


def probe(address: str, port: int = 22, timeout: float = 3.0) -> tuple[bool, str]:
    """Whether this process can reach `address`: a refused connection reaches it too (the
    guest answered); EHOSTUNREACH or a timeout is what a denied Local Network looks like."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True, "connected"
    except ConnectionRefusedError:
        return True, "the guest refused the port, so it is reachable"
    except TimeoutError:
        return False, f"no answer within {timeout:g} s"
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EPERM, errno.EACCES):
            return False, exc.strerror or str(exc)
        return False, str(exc)


def _run(argv: list[str], env: Mapping[str, str], timeout: float) -> tuple[int, str, str]:
    try:
        done = subprocess.run(
            argv, env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError:
        return 127, "", f"{argv[0]}: not found"
    except subprocess.TimeoutExpired:
        return 124, "", f"{' '.join(argv[:2])} did not answer within {timeout:g} s"
    except OSError as exc:
        return 126, "", str(exc)
    return done.returncode, done.stdout, done.stderr


def diagnose(settings: Settings, environ: Mapping[str, str] | None = None) -> list[Check]:
    environ = dict(os.environ) if environ is None else environ
    return Doctor(settings, environ, detect(), _run).checks()


def as_json(checks: list[Check]) -> str:
    return json.dumps({"checks": [asdict(check) for check in checks]}, indent=2)


def as_text(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        lines.append(f"{'ok  ' if check.ok else 'FAIL'}  {check.name}: {check.detail}")
        if check.fix:
            lines.append(f"      fix: {check.fix}")
    failed = sum(not check.ok for check in checks)
    lines.append(f"{failed} of {len(checks)} checks failed" if failed else "all checks passed")
    return "\n".join(lines)
