"""The usage sampler's math and parsing: CPU % between readings, the ten-minute window, the
guest's `key=value` answer, and which process is a VM's guest."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from taartenfabriek.care.guestproc import (
    GUEST_SCRIPT,
    VM_SERVICE,
    Candidate,
    is_vm_service,
    match_services,
    parse_guest,
    tart_run_of,
)
from taartenfabriek.care.usage import History, cpu_percent, memory_percent
from taartenfabriek.tart import argv

SERVICE_EXE = (
    "/System/Library/Frameworks/Virtualization.framework/Versions/A/XPCServices/"
    f"{VM_SERVICE}.xpc/Contents/MacOS/{VM_SERVICE}"
)


def test_cpu_percent_is_of_one_core_between_two_readings() -> None:
    assert cpu_percent(None, (5.0, 100.0)) is None  # the first reading has nothing to compare
    assert cpu_percent((5.0, 100.0), (6.0, 102.0)) == 50.0
    assert cpu_percent((5.0, 100.0), (11.0, 102.0)) == 300.0  # three cores' worth, like top
    assert cpu_percent((5.0, 100.0), (5.0, 100.0)) is None  # no time passed
    assert cpu_percent((5.0, 100.0), (4.0, 102.0)) is None  # a new process with the same key


def test_memory_percent_counts_what_is_not_available() -> None:
    assert memory_percent(16 * 2**30, 4 * 2**30) == 75.0
    assert memory_percent(0, 0) == 0.0


def test_history_keeps_ten_minutes() -> None:
    history = History()
    for second in range(0, 1300, 2):
        history.add(float(second), 1.0, 100)
    times = [p[0] for p in history.points]
    assert times[0] == 1298 - 600 and times[-1] == 1298
    assert len(times) == 301


def test_the_guests_answer_is_parsed() -> None:
    text = (
        "load=0.52 0.40 0.31\nmemory_total=4294967296\nmemory_available=1073741824\n"
        "disk_total=53687091200\ndisk_used=10737418240\nnoise\nload_bad=x\n"
    )
    assert parse_guest(text) == {
        "load": [0.52, 0.4, 0.31],
        "memory_total": 4294967296,
        "memory_available": 1073741824,
        "disk_total": 53687091200,
        "disk_used": 10737418240,
    }
    # macOS's sysctl vm.loadavg in a locale with decimal commas; a half answer keeps the rest
    assert parse_guest("load= 1,50 1,20 0,90 \nmemory_total=oops\n") == {"load": [1.5, 1.2, 0.9]}
    assert parse_guest("") == {}


def test_the_guest_script_runs_under_sh_here() -> None:
    """Linux's /proc branch, as a Linux guest runs it (the macOS branch needs a Mac)."""
    done = subprocess.run(["/bin/sh", "-c", GUEST_SCRIPT], capture_output=True, text=True)
    parsed = parse_guest(done.stdout)
    assert set(parsed) == {"load", "memory_total", "memory_available", "disk_total", "disk_used"}
    assert parsed["memory_total"] % 1024 == 0  # whole bytes, never awk's 2.5e+10


def test_the_vm_service_holding_a_disk_image_is_that_vms_guest(tmp_path: Path) -> None:
    disks = {name: tmp_path / "vms" / name / "disk.img" for name in ("a", "b", "c")}
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "vms")
    candidates = [
        Candidate(10, VM_SERVICE[:16], SERVICE_EXE, ("/dev/null", str(disks["a"]))),
        # TART_HOME reached through a symlink is the same file
        Candidate(11, VM_SERVICE[:16], SERVICE_EXE, (str(link / "b" / "disk.img"),)),
        # another Virtualization service with the same cut name, holding c's disk: not a VM's
        Candidate(
            12,
            VM_SERVICE[:16],
            "/System/.../com.apple.Virtualization.Installation",
            (str(disks["c"]),),
        ),
        # Docker Desktop's VM: a VM service, but none of our disks
        Candidate(13, VM_SERVICE[:16], SERVICE_EXE, ("/Users/me/Docker.raw",)),
    ]
    assert match_services(candidates, disks) == {"a": 10, "b": 11}


@pytest.mark.parametrize(
    ("name", "exe", "expected"),
    [
        (VM_SERVICE[:16], SERVICE_EXE, True),
        (VM_SERVICE, "", True),  # path unreadable: the full name decides
        (VM_SERVICE[:16], "", False),  # the cut name alone is shared
        ("tart", "/opt/homebrew/bin/tart", False),
    ],
)
def test_is_vm_service(name: str, exe: str, expected: bool) -> None:
    assert is_vm_service(name, exe) is expected


def test_a_vms_tart_run_process() -> None:
    assert tart_run_of(["/opt/homebrew/bin/tart", "run", "--no-graphics", "dev"], "dev")
    assert tart_run_of(["python", "-m", "taartenfabriek.sim", "run", "dev"], "dev")
    assert not tart_run_of(["/opt/homebrew/bin/tart", "run", "dev"], "other")
    assert not tart_run_of(["/opt/homebrew/bin/tart", "exec", "dev"], "dev")
    assert tart_run_of(["python3", "/opt/stand-in/tart.py", "run", "dev"], "dev")
    assert not tart_run_of(["/usr/bin/vim", "run", "dev"], "dev")


def test_exec_argv_keeps_the_command_after_the_name() -> None:
    assert argv.exec_("dev", ["/bin/sh", "-c", "uptime"], interactive=False) == [
        "exec",
        "dev",
        "/bin/sh",
        "-c",
        "uptime",
    ]
    with pytest.raises(ValueError):
        argv.exec_("--dev", ["true"], interactive=False)


def test_run_flags_with_a_serial_path() -> None:
    flags = argv.run_flags(display="none", serial_path="/dev/ttys004")
    assert flags == ["--no-graphics", "--serial-path", "/dev/ttys004"]
    with pytest.raises(ValueError):
        argv.run_flags(serial_path="-x")
