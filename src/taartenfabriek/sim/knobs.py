"""Knobs: `TART_SIM_*` environment variables that tune the simulator (real Tart has none).

Every simulated delay is real wall-clock time; these knobs only scale it. Lists are
comma-separated; `*` in a VM list means "every VM".

Timing
  TART_SIM_BOOT_SECONDS=3          seconds from `tart run` start until the guest has an IP
  TART_SIM_PULL_SECONDS=8          duration of the disk download of `pull` (and clone's auto-pull)
  TART_SIM_PUSH_SECONDS=<pull>     duration of the disk upload of `push`
  TART_SIM_EXPORT_SECONDS=0        `export`: seconds between truncating the destination and
                                   writing it (a cancel in between leaves the truncated file)
  TART_SIM_IMPORT_SECONDS=0        `import`: seconds spent extracting into TART_HOME/tmp
  TART_SIM_PROGRESS_INTERVAL=1.0   minimum seconds between two `N%` progress updates
  TART_SIM_IPSW_SECONDS=5          `create --from-ipsw`: IPSW download duration
  TART_SIM_INSTALL_SECONDS=10      `create --from-ipsw`: macOS installation duration
  TART_SIM_IP_RETRY_SECONDS=1.0    pause between two `tart ip` attempts (Tart: 1 s)
  TART_SIM_VNC_IP_TIMEOUT=60       how long `run --vnc` waits for an IP before `IPNotFound()`
  TART_SIM_STOP_SECONDS=0.1        how long a SIGINT'd `run` takes to exit after `Stopping VM...`
  TART_SIM_SUSPEND_SECONDS=0.5     how long the snapshot of a SIGUSR1'd `run --suspendable` takes
  TART_SIM_GUEST_STOP_SECONDS=1.0  delay between SIGUSR2 (`Requesting guest OS to stop...`) and
                                   `guest has stopped the virtual machine`
  TART_SIM_LIMIT_SECONDS=0.5       how long a `run` over the macOS VM limit holds its lock before
                                   it fails
  TART_SIM_LOCK_SECONDS=0.5        how long `run` builds the VM before it takes the VM's lock (a
                                   `stop` until then says "not running"; SIGINT kills it)

Guest behaviour
  TART_SIM_NO_IP=<vm,...>          these VMs never get an IP (same as a `vms/<vm>/.sim-no-ip` file)
  TART_SIM_NO_AGENT=<vm,...>       `tart exec` fails as if the Tart Guest Agent were missing
  TART_SIM_GUEST_SHUTDOWN_AFTER=<s> | <vm>=<s>,...
                                   the guest powers itself off <s> seconds after `run` started
  TART_SIM_GUEST_CRASH_AFTER=<s> | <vm>=<s>,...
                                   the VM stops with an error <s> seconds after `run` started
  TART_SIM_MAX_DARWIN_VMS=2        concurrently running macOS VMs allowed (Apple's limit)
  TART_SIM_STALE_LEASE=1           the dhcp resolver answers any unexpired lease of the lease file,
                                   running or not, as macOS does (default); 0: only for the live run
  TART_SIM_LEASE_SECONDS=86400     how long a lease lasts from the guest's boot
  TART_SIM_DHCPD_LEASES=<file>     the lease file, in /var/db/dhcpd_leases' format (default
                                   $TART_HOME/.sim-dhcpd_leases); point the server's
                                   TARTVM_DHCPD_LEASES at it

Registry
  TART_SIM_REGISTRY=<file>         extra images that "exist", one per line:
                                   `<name>[:tag|@sha256:..] [darwin|linux] [<disk GB>]`; a name
                                   without reference matches any tag; `#` starts a comment
  TART_SIM_DIGEST_SALT=<text>      changes every digest the registry serves, as if all tags had
                                   been re-pushed (a new pull of `latest` then downloads again)
  TART_SIM_PULL_FAIL=<substring>   pulls of images whose name contains it fail halfway
  TART_SIM_PULL_FLAKY=<substring>  such pulls print one `Error pulling disk layer ...,
                                   attempting to re-try...` line, then succeed
  TART_SIM_LOGIN_PASSWORD=<pw>     if set, `tart login` validation only accepts this password

Failure injection and output
  TART_SIM_HANG=<sub,...>          these subcommands (or `*`) sleep forever before doing anything
  TART_SIM_FAIL=<sub>:<exit>:<message>[;...]
                                   these subcommands print <message> on stderr and exit <exit>
  TART_SIM_VERSION=2.32.1          what `tart --version` prints
                                   and which release it behaves as (sim/versions.py): before
                                   2.27.0 no `exec`, 2.28.0 no `ip --resolver agent`, 2.12.0
                                   SIGUSR2 kills `run`, 2.10.0 no `set --random-mac`, 2.6.0 no
                                   `--dir ...,tag=`, 2.7.0 no `--net-host`, 2.31.0 `list` has
                                   `SizeOnDisk` and no `Accessed`, 2.27.2 `--suspendable` with
                                   `--dir` refused; `SNAPSHOT` (a dev build) has everything
  TART_SIM_JSON_SHUFFLE=1          random JSON key order per invocation, like real Tart
  TART_SIM_BYTECODE_CACHE=<dir>|0  where compiled bytecode goes when PYTHONDONTWRITEBYTECODE is
                                   set (default ~/.cache/taartenfabriek/tart-sim-bytecode)
  TART_SIM_TRACE=<file>            append a timestamped record of every invocation and every
                                   line printed to <file> (see `trace`; tests and benchmarks)

Sim-only files (real Tart has none of them; nothing outside tests may rely on them):
  vms/<vm>/.sim-run.json           written by the live `run`: pid, argv, started_at, ip_at, ...
  $TART_HOME/.sim-dhcpd_leases     the DHCP leases (unless TART_SIM_DHCPD_LEASES says elsewhere)
  vms/<vm>/.sim-allocated          simulated allocated bytes of disk.img (files are sparse)
  vms/<vm>/.sim-guest/             working directory of commands run by `tart exec`
  <digest dir>/.sim-allocated      same for OCI cache entries
  $TART_HOME/.sim-registry         images pushed with `tart push` (read by `pull`)
  $TART_HOME/.sim-credentials.json hosts logged in with `tart login`
"""

from __future__ import annotations

import os


def seconds(name: str, default: float) -> float:
    """A non-negative number of seconds from the environment, or `default`."""
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        return default
    return value if value >= 0 else default


def integer(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    try:
        return int(raw) if raw else default
    except ValueError:
        return default


def flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


def in_list(name: str, item: str) -> bool:
    """Whether `item` is named in the comma-separated list knob `name` (`*` matches all)."""
    raw = os.environ.get(name, "")
    if not raw:
        return False
    entries = {entry.strip() for entry in raw.split(",")}
    return "*" in entries or item in entries


def per_vm_seconds(name: str, vm: str) -> float | None:
    """`<s>` for every VM, or `<vm>=<s>,...` per VM; None when unset for this VM."""
    raw = os.environ.get(name, "")
    if not raw:
        return None
    fallback: float | None = None
    for entry in raw.split(","):
        key, sep, value = entry.strip().rpartition("=")
        try:
            number = float(value)
        except ValueError:
            continue
        if not sep:
            fallback = number
        elif key == vm:
            return number
    return fallback


def text(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def injected_failure(subcommand: str) -> tuple[int, str] | None:
    """The (exit code, message) TART_SIM_FAIL asks `subcommand` to fail with, if any."""
    raw = os.environ.get("TART_SIM_FAIL", "")
    for entry in raw.split(";"):
        sub, _, rest = entry.partition(":")
        code, _, message = rest.partition(":")
        if sub.strip() in (subcommand, "*") and code.strip().lstrip("-").isdigit():
            return int(code), message
    return None
