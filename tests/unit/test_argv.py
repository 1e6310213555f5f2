import pytest

from taartenfabriek.tart import argv


def test_seed_commands() -> None:
    assert argv.run("vm") == ["run", "--vnc", "--no-graphics", "vm"]
    assert argv.stop("vm") == ["stop", "--timeout", "30", "vm"]
    assert argv.stop("vm", timeout=None) == ["stop", "vm"]
    assert argv.get("vm") == ["get", "vm", "--format", "json"]
    assert argv.list_vms() == ["list", "--format", "json"]
    assert argv.ip("vm") == ["ip", "vm", "--wait", "0"]
    assert argv.clone("ghcr.io/a/b:latest", "new") == ["clone", "ghcr.io/a/b:latest", "new"]
    assert argv.set_("vm", cpu=4, memory_mb=8192, disk_size_gb=60) == [
        "set",
        "vm",
        "--cpu",
        "4",
        "--memory",
        "8192",
        "--disk-size",
        "60",
    ]


@pytest.mark.parametrize("bad", ["-rf", "--help", "", "a\nb"])
def test_names_never_become_flags(bad: str) -> None:
    for build in (argv.get, argv.delete, argv.pull, argv.suspend):
        with pytest.raises(ValueError):
            build(bad)
    with pytest.raises(ValueError):
        argv.clone("src", bad)


def test_exec_refuses_option_like_names_and_keeps_the_command_after_the_name() -> None:
    assert argv.exec_("dev", ["/bin/sh", "-c", "id"]) == [
        "exec", "-i", "-t", "dev", "/bin/sh", "-c", "id"
    ]  # fmt: skip
    for bad in ("-x", "--help", "", "a\nb"):
        with pytest.raises(argv.UnsafeName):
            argv.exec_(bad, ["/bin/sh"])


def test_shown_is_what_a_user_would_type() -> None:
    assert argv.shown(argv.prune(older_than_days=3)) == [
        "tart", "prune", "--entries", "caches", "--older-than", "3"
    ]  # fmt: skip


def test_set_passes_the_display_refit_along() -> None:
    """Every `tart set` rewrites displayRefit (Tart Set.swift:62): pass the current one."""
    assert argv.set_("vm", cpu=2, display_refit=True)[-1] == "--display-refit"
    assert argv.set_("vm", cpu=2, display_refit=False)[-1] == "--no-display-refit"
    assert "refit" not in " ".join(argv.set_("vm", cpu=2))


def test_image_commands() -> None:
    assert argv.login("registry.example.com:5000", "me", insecure=True) == [
        "login",
        "registry.example.com:5000",
        "--username",
        "me",
        "--password-stdin",
        "--insecure",
    ]
    assert argv.logout("ghcr.io") == ["logout", "ghcr.io"]
    assert argv.push(
        "vm",
        ["ghcr.io/me/vm:1", "ghcr.io/me/vm:latest"],
        concurrency=2,
        chunk_size_mb=8,
        labels=["team=ci"],
        populate_cache=True,
    ) == [
        "push",
        "vm",
        "ghcr.io/me/vm:1",
        "ghcr.io/me/vm:latest",
        "--concurrency",
        "2",
        "--chunk-size",
        "8",
        "--label",
        "team=ci",
        "--populate-cache",
    ]
    assert argv.export("vm", "/tmp/vm.tvm") == ["export", "vm", "/tmp/vm.tvm"]
    assert argv.import_("/tmp/vm.tvm", "vm") == ["import", "/tmp/vm.tvm", "vm"]


@pytest.mark.parametrize("bad", ["-x", "--insecure", "", "a\nb"])
def test_image_commands_refuse_flags_as_values(bad: str) -> None:
    with pytest.raises(ValueError):
        argv.login(bad, "me")
    with pytest.raises(ValueError):
        argv.login("ghcr.io", bad)
    with pytest.raises(ValueError):
        argv.push("vm", [bad])
    with pytest.raises(ValueError):
        argv.push("vm", ["ghcr.io/a/b:1"], labels=[bad])
    with pytest.raises(ValueError):
        argv.export("vm", bad)
    with pytest.raises(ValueError):
        argv.import_(bad, "vm")
    with pytest.raises(ValueError):
        argv.push("vm", [])
