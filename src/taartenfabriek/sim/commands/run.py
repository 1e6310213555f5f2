"""`tart run <name> [flags]` (§5 run): flag validation; the VM's life is in `vmprocess`."""

from __future__ import annotations

from .. import localstore, versions, vmconfig
from ..argspec import Namespace, Spec, arg, flag, opt
from ..errors import ValidationError

SPEC = Spec(
    "run",
    "Run a VM",
    [
        arg("name", "VM name"),
        flag("--no-graphics", "Don't open a UI window."),
        flag("--serial", "Open serial console in /dev/ttySXX"),
        opt("--serial-path", "Attach an externally created serial console"),
        flag("--graphics", "Force open a UI window, even when VNC is enabled.", hidden=True),
        flag("--no-audio", "Disable audio pass-through to host."),
        flag("--no-clipboard", "Disable clipboard sharing between host and guest."),
        flag("--recovery", "Boot into recovery mode"),
        flag("--vnc", "Use screen sharing instead of the built-in UI."),
        flag(
            "--vnc-experimental",
            "Use Virtualization.Framework's VNC server instead of the built-in UI.",
        ),
        opt(
            "--disk",
            "Additional disk attachments with an optional read-only and synchronization options",
            repeating=True,
            value_name="path[:options]",
        ),
        opt(
            "--rosetta",
            "Attaches a Rosetta share to the guest Linux VM with a specific tag",
            value_name="tag",
            dest="rosetta_tag",
        ),
        opt(
            "--dir",
            "Additional directory shares with an optional read-only and mount tag options",
            repeating=True,
            value_name="[name:]path[:options]",
        ),
        flag("--nested", "Enable nested virtualization if possible"),
        opt(
            "--net-bridged",
            "Use bridged networking instead of the default shared (NAT) networking",
            repeating=True,
            value_name="interface name",
        ),
        flag(
            "--net-softnet",
            "Use software networking instead of the default shared (NAT) networking",
        ),
        opt(
            "--net-softnet-allow",
            "Comma-separated list of CIDRs to allow the traffic to when using Softnet isolation",
            value_name="comma-separated CIDRs",
        ),
        opt(
            "--net-softnet-block",
            "Comma-separated list of CIDRs to block the traffic to when using Softnet isolation",
            value_name="comma-separated CIDRs",
        ),
        opt(
            "--net-softnet-expose",
            "Comma-separated list of TCP ports to expose (e.g. "
            "--net-softnet-expose 2222:22,8080:80)",
            value_name="comma-separated port specifications",
        ),
        flag("--net-host", "Restrict network access to the host-only network"),
        opt(
            "--root-disk-opts",
            'Set the root disk options (e.g. --root-disk-opts="ro" or '
            '--root-disk-opts="caching=cached,sync=none")',
            value_name="options",
        ),
        flag(
            "--suspendable",
            "Disables audio and entropy devices and switches to only Mac-specific input devices.",
        ),
        flag(
            "--capture-system-keys",
            "Whether system hot keys should be sent to the guest instead of the host",
        ),
        flag("--no-trackpad", "Disable the Mac trackpad"),
        flag("--no-pointer", "Disable the pointer"),
        flag("--no-keyboard", "Disable the keyboard"),
    ],
)


def uses_softnet(ns: Namespace) -> bool:
    return bool(
        ns.net_softnet or ns.net_softnet_allow or ns.net_softnet_block or ns.net_softnet_expose
    )


def validate(ns: Namespace) -> None:
    if ns.vnc and ns.vnc_experimental:
        raise ValidationError("--vnc and --vnc-experimental are mutually exclusive")
    if bool(ns.net_bridged) + uses_softnet(ns) + bool(ns.net_host) > 1:
        raise ValidationError("--net-bridged, --net-softnet and --net-host are mutually exclusive")
    if ns.graphics and ns.no_graphics:
        raise ValidationError("--graphics and --no-graphics are mutually exclusive")
    if (ns.no_graphics or ns.vnc or ns.vnc_experimental) and ns.capture_system_keys:
        raise ValidationError("--captures-system-keys can only be used with the default VM view")

    # Tart opens the VM while validating: a missing VM is `Error: ...`, exit 1 (not 2).
    vm = localstore.open_vm(str(ns.name))
    config = vm.config()
    darwin = vmconfig.os_of(config) == "darwin"
    if vm.state() == "suspended":
        ns.suspendable = True
    if ns.suspendable:
        if not darwin:
            raise ValidationError("You can only suspend macOS VMs")
        if ns.dir and not versions.suspendable_dirs():
            # 8e9d61d (#623) until 7115937 (#1082, Tart 2.27.2) removed the check
            raise ValidationError("Suspending VMs with shared directories is not supported")
        for option in ("no_trackpad", "no_keyboard", "no_pointer"):
            if getattr(ns, option):
                flag_name = "--" + option.replace("_", "-")
                raise ValidationError(f"{flag_name} cannot be used with --suspendable")
    if ns.no_trackpad and not darwin:
        raise ValidationError("--no-trackpad can only be used with macOS VMs")
    disks = ns.disk
    assert isinstance(disks, list)
    for disk in disks:
        if str(disk).endswith("-amd64.iso"):
            raise ValidationError(
                "Seems you have a disk targeting x86 architecture (hence amd64 in the name). "
                "Please use an 'arm64' version of the disk."
            )


def run(ns: Namespace) -> int:
    from ..vmprocess import run_vm

    return run_vm(ns)
