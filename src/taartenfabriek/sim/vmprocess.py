"""The life of a simulated VM inside the foreground `tart run` process (§5 run, §8.2-4).

Holds the fcntl lock on config.json for its whole life, writes `.sim-run.json`, and reacts
like Tart: SIGINT -> `Stopping VM...` exit 0; SIGUSR1 -> snapshot (or `Failed to suspend
the VM: ...` exit 1); SIGUSR2 -> graceful guest stop. With `--vnc-experimental` a VNC server
(`rfb`) runs in a thread of this process. Imports most leaf modules and `signal`.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from typing import TYPE_CHECKING

from . import home, knobs, leases, localstore, network, versions, vmconfig
from .argspec import Namespace
from .errors import PlainError, TartError, ValidationError
from .files import create_sparse, discard, suppress_os_errors
from .locks import FileLock, try_write_lock
from .output import err, out
from .vmdir import VMDir
from .words import passphrase

if TYPE_CHECKING:
    from .rfb import Display

HANDLED = (signal.SIGINT, signal.SIGUSR1, signal.SIGUSR2)
BRIDGE_INTERFACES = (("en0", "Ethernet"), ("en1", "Wi-Fi"))
# VZ's validateSaveRestoreSupport() message for a non-suspendable configuration (unsure).
NOT_SUSPENDABLE = "The virtual machine configuration does not support saving and restoring."
GUEST_ERROR = 'Error Domain=VZErrorDomain Code=1 "The virtual machine stopped unexpectedly."'


def _swift_array(items: list[str]) -> str:
    quoted = ['"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items]
    return "[" + ", ".join(quoted) + "]"


def _check_bridged(interfaces: list[str]) -> None:
    for wanted in interfaces:
        if not any(wanted in pair for pair in BRIDGE_INTERFACES):
            available = [f'{ident} (or "{label}")' for ident, label in BRIDGE_INTERFACES]
            raise ValidationError(
                f'no bridge interfaces matched "{_swift_array(interfaces)}", '
                f"available interfaces: {_swift_array(available)}",
                root=True,
            )


def _check_dirs(shares: list[str]) -> None:
    tags: dict[str, list[bool]] = {}
    for share in shares:
        if not versions.has_dir_tags() and "tag=" in share.rsplit(":", 1)[-1]:
            # Before 2.6.0 only a `:ro` suffix was an option (Run.swift of 2.5.0, :654-672):
            # `tag=...` stays in the path, which then does not exist (the text is unsure).
            raise TartError(
                f"Error: shared directory path does not exist: {share.split(':', 1)[-1]}"
            )
        parts = share.split(":")
        options = parts[-1].split(",")
        tag = "com.apple.virtio-fs.automount"
        found = False
        for option in options:
            if option == "ro":
                found = True
            elif option.startswith("tag="):
                tag, found = option[4:], True
        if found:
            parts = parts[:-1]
        rest = ":".join(parts)
        named = not rest.startswith(("http:", "https:")) and len(rest.split(":", 1)) == 2
        tags.setdefault(tag, []).append(named)
    for tag in tags:
        _check_tag(tag)
    for shares_named in tags.values():
        if len(shares_named) > 1 and not all(shares_named):
            raise ValidationError(
                "invalid --dir syntax: for multiple directory shares each one of them should be "
                "named",
                root=True,
            )


MAX_TAG_BYTES = 35
"""Virtualization.framework takes virtio-fs tags of fewer than 36 bytes in UTF-8."""


def _check_tag(tag: str) -> None:
    """VZVirtioFileSystemDeviceConfiguration refuses longer tags: `--dir ...,tag=` builds one per
    tag (Run.swift:700-701), `--rosetta` checks with validateTag (Run.swift:743). The framework's
    own error text is not in Tart's source (unsure)."""
    size = len(tag.encode())
    if size == 0 or size > MAX_TAG_BYTES:
        raise PlainError(
            'Error Domain=VZErrorDomain Code=2 "The tag is invalid: a virtio-fs tag must be '
            f'non-empty and shorter than 36 bytes ({size} bytes: {tag})."'
        )


def _check_rosetta(tag: object) -> None:
    if isinstance(tag, str):
        _check_tag(tag)


def _is_disk_option(option: str) -> bool:
    return option == "ro" or option.startswith(("sync=", "caching="))


def _lock_disks(disks: list[str]) -> list[FileLock]:
    """Try-lock every writable disk image like Tart (a held lock = mounted in Finder)."""
    from .names import try_parse

    held = []
    for disk in disks:
        path, read_only = disk, False
        head, sep, tail = disk.rpartition(":")
        if sep and all(_is_disk_option(option) for option in tail.split(",")):
            path, read_only = head, "ro" in tail.split(",")
        if "://" in path:
            continue  # a Network Block Device URL
        expanded = os.path.expanduser(path)
        if not os.path.exists(expanded):
            if try_parse(path) is not None or localstore.exists(path):
                continue  # a remote or local VM used as a disk
            name = os.path.basename(expanded)
            raise PlainError(f"The file “{name}” couldn’t be opened because there is no such file.")
        if read_only:
            continue
        lock = FileLock(expanded)
        if not lock.try_lock():
            raise TartError(
                f"disk {expanded} seems to be already in use, unmount it first in Finder"
            )
        held.append(lock)
    return held


def _open_serial(ns: Namespace) -> int | None:
    if ns.serial:
        master, slave = os.openpty()
        path = os.ttyname(slave)
        os.close(slave)
        out(f"Successfully open pty {path}")
        return master
    if isinstance(ns.serial_path, str):
        try:
            return os.open(ns.serial_path, os.O_RDWR | os.O_NOCTTY)
        except OSError:
            raise TartError("Failed to open PTY") from None
    return None


def _running_darwin_vms(exclude: VMDir) -> list[str]:
    names = []
    for vm in localstore.list_vms():
        if vm.path == exclude.path or not vm.running():
            continue
        try:
            if vmconfig.os_of(vm.config()) == "darwin":
                names.append(vm.name)
        except Exception:
            continue
    return names


def _control_socket(vm: VMDir) -> object | None:
    """`control.sock` like Tart on macOS 14+ (left behind after exit); best effort."""
    import socket

    path = vm.file("control.sock")
    discard(path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)
        server.listen()
    except OSError:  # e.g. a path longer than sun_path allows
        server.close()
        return None
    return server


def _network_mode(ns: Namespace) -> str:
    if ns.net_bridged:
        return "bridged"
    if ns.net_softnet or ns.net_softnet_allow or ns.net_softnet_block or ns.net_softnet_expose:
        return "softnet"
    return "host" if ns.net_host else "shared"


def _vnc_message(url: str, ns: Namespace) -> str:
    if ns.no_graphics or "CI" in os.environ:
        return f"VNC server is running at {url}"
    return f"Opening {url}..."


class Session:
    """Everything the running VM needs after it took its lock."""

    def __init__(self, ns: Namespace, vm: VMDir, config: dict[str, object]) -> None:
        self.ns = ns
        self.vm = vm
        self.config = config
        self.memory = vmconfig.number(config, "memorySize", 4 * vmconfig.GIB)
        self.mac = vmconfig.mac_of(config)
        self.start = time.time()
        self.resumes = os.path.exists(vm.state_path)
        self.ip_at: float | None = None
        self.info: dict[str, object] = {}
        self.resources: list[object] = []
        self.display: Display | None = None
        """The VNC server of `--vnc-experimental` (a thread of this process)."""

    def announce(self, *, refused: bool) -> None:
        """Write `.sim-run.json` before the VM lock is taken, so `tart ip` never sees a
        lock holder without it (and mistakes it for a foreign, already-booted guest).

        A guest that macOS is about to refuse never boots, so it never gets an IP.
        """
        boot = 0.0 if self.resumes else knobs.seconds("TART_SIM_BOOT_SECONDS", 3.0)
        never = refused or network.never_gets_ip(self.vm)
        self.ip_at = None if never else self.start + boot
        self.info = {
            "pid": os.getpid(),
            "argv": sys.argv[1:],
            "started_at": self.start,
            "boot_seconds": boot,
            "ip_at": self.ip_at,
            "mac": self.mac,
            "ip": network.ip_for_mac(self.mac),
            "network": _network_mode(self.ns),
        }
        network.write_run_info(self.vm, self.info)

    def begin(self) -> None:
        if self.resumes:
            out("restoring VM state from a snapshot...")
            os.unlink(self.vm.state_path)
            out("resuming VM...")  # a resumed guest already has its network up

    def suspend(self) -> int:
        if not self.ns.suspendable:
            out(f"Failed to suspend the VM: {NOT_SUSPENDABLE}")
            return 1
        out("pausing VM to take a snapshot...")
        out("creating a snapshot...")
        create_sparse(self.vm.state_path, self.memory)
        time.sleep(knobs.seconds("TART_SIM_SUSPEND_SECONDS", 0.5))
        out("snapshot created successfully! shutting down the VM...")
        return 0

    def loop(self) -> int:
        ns = self.ns
        vnc_pending = bool(ns.vnc)
        vnc_deadline = self.start + knobs.seconds("TART_SIM_VNC_IP_TIMEOUT", 60.0)
        if ns.vnc_experimental:
            from .rfb import Display
            from .screen import display_size

            password = passphrase()
            self.display = Display(self.vm.name, password, *display_size(self.config))
            out(_vnc_message(f"vnc://:{password}@127.0.0.1:{self.display.port}", ns))
        after = knobs.per_vm_seconds("TART_SIM_GUEST_SHUTDOWN_AFTER", self.vm.name)
        guest_stop: float | None = None if after is None else self.start + after
        crash_after = knobs.per_vm_seconds("TART_SIM_GUEST_CRASH_AFTER", self.vm.name)
        crash = None if crash_after is None else self.start + crash_after
        lease_due = self.ip_at if self.info.get("network") != "bridged" else None
        while True:
            now = time.time()
            if lease_due is not None and now >= lease_due:
                # the guest's DHCP request: bootpd (re)starts its lease (Leases.swift)
                with suppress_os_errors():
                    leases.grant(
                        self.mac, network.ip_for_mac(self.mac), self.vm.name, renew=not self.resumes
                    )
                lease_due = None
            # `--vnc` resolves like `tart ip` (ScreenSharingVNC.swift:14): an unexpired lease
            # of an earlier run answers at once, before this guest is up
            stale = vnc_pending and not ns.net_bridged and leases.lookup(self.mac) is not None
            if vnc_pending and (stale or (self.ip_at is not None and now >= self.ip_at)):
                out(_vnc_message(f"vnc://{network.ip_for_mac(self.mac)}", ns))
                vnc_pending = False
            if vnc_pending and now >= vnc_deadline:
                err("IPNotFound()")
                return 1
            if guest_stop is not None and now >= guest_stop:
                out("guest has stopped the virtual machine")
                return 0
            if crash is not None and now >= crash:
                # VZVirtualMachineDelegate didStopWithError: printed, then exit 1 (unsure).
                out(f"guest has stopped the virtual machine due to error: {GUEST_ERROR}")
                return 1
            optional = (guest_stop, crash, vnc_deadline if vnc_pending else None, lease_due)
            deadlines = [deadline for deadline in optional if deadline is not None]
            if vnc_pending and self.ip_at is not None:
                deadlines.append(self.ip_at)
            timeout = max(0.0, min(deadlines) - now) if deadlines else 3600.0
            received = signal.sigtimedwait(HANDLED, timeout)
            if received is None:
                continue
            if received.si_signo == signal.SIGINT:
                if vnc_pending:
                    # The cancelled task was still waiting for the IP: Tart prints the
                    # CancellationError and exits 1 (derived from Run.swift; unsure).
                    err("CancellationError()")
                    return 1
                out("Stopping VM...")
                time.sleep(knobs.seconds("TART_SIM_STOP_SECONDS", 0.1))
                return 0
            if received.si_signo == signal.SIGUSR1:
                return self.suspend()
            if received.si_signo == signal.SIGUSR2:
                out("Requesting guest OS to stop...")
                requested = time.time() + knobs.seconds("TART_SIM_GUEST_STOP_SECONDS", 1.0)
                guest_stop = requested if guest_stop is None else min(guest_stop, requested)


def run_vm(ns: Namespace) -> int:
    # Tart installs its SIGINT/SIGUSR1/SIGUSR2 handlers only after it took the VM's lock
    # (Run.swift:541-594, after :451): until then each kills it, as the default action does.
    for signum in HANDLED:
        signal.signal(signum, signal.SIG_DFL)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    name = str(ns.name)
    vm = localstore.open_vm(name)
    global_lock = FileLock(home.tart_home())
    global_lock.lock()
    try:
        config = vm.config()
        mac = vmconfig.mac_of(config)
        for other in localstore.list_vms():
            if other.path == vm.path or not other.running():
                continue
            if vmconfig.mac_of(other.config()) == mac:
                out("There is already a running VM with the same MAC address!")
                out("Resetting VM to assign a new MAC address...")
                # regenerateMACAddress() also deletes the saved state (VMDirectory.swift:135-143):
                # a suspended VM then boots fresh
                config["macAddress"] = vmconfig.random_mac()
                discard(vm.state_path)
                vm.save_config(config)
                break
        bridged, shares, disks = ns.net_bridged, ns.dir, ns.disk
        assert isinstance(bridged, list) and isinstance(shares, list) and isinstance(disks, list)
        _check_bridged(bridged)
        _check_dirs(shares)
        _check_rosetta(ns.rosetta_tag)
        held = _lock_disks(disks)
        serial = _open_serial(ns)
        # building the VM (devices, Softnet) takes a while before the lock (Run.swift:411-451)
        time.sleep(knobs.seconds("TART_SIM_LOCK_SECONDS", 0.5))
        others = _running_darwin_vms(vm) if vmconfig.os_of(config) == "darwin" else []
        refused = len(others) >= knobs.integer("TART_SIM_MAX_DARWIN_VMS", 2)
        session = Session(ns, vm, config)
        lock_fd = os.open(vm.config_path, os.O_RDWR)
        if vm.running():
            raise TartError(f'VM "{name}" is already running!', 2)
        session.announce(refused=refused)
        if not try_write_lock(lock_fd):  # a holder that is not a simulated `tart run`
            network.discard_run_info(vm, session.info)
            raise TartError(f'VM "{name}" is already running!', 2)
        # now Tart's handlers are in place; before 2.12.0 (#842) none for SIGUSR2: it kills
        if versions.handles_sigusr2():
            signal.pthread_sigmask(signal.SIG_BLOCK, HANDLED)
        else:
            signal.pthread_sigmask(signal.SIG_BLOCK, (signal.SIGINT, signal.SIGUSR1))
        vm.touch()
    finally:
        global_lock.unlock()

    session.resources = [lock_fd, held, serial]  # held until the process exits
    try:
        session.begin()
        session.resources.append(_control_socket(vm))
        if serial is not None and vmconfig.os_of(config) != "darwin":
            from .getty import start as serve_login

            boot = session.info.get("boot_seconds")
            serve_login(serial, vm.name, boot if isinstance(boot, float) else 0.0)
        if refused:
            time.sleep(knobs.seconds("TART_SIM_LIMIT_SECONDS", 0.5))
            hint = f" (other running VMs: {', '.join(others)})"
            err(f"The number of VMs exceeds the system limit{hint}")
            return 1
        return session.loop()
    finally:
        if session.display is not None:
            session.display.close()
        network.retire_run_info(vm, session.info)
