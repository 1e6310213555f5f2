"""Global behaviour: --version, help, argument-parser errors, TART_HOME, knobs (§1, §1.1)."""

from __future__ import annotations

import time
from pathlib import Path

from tests.simtools import TartSim


def test_version_prints_the_release_and_touches_nothing(tart_sim: TartSim) -> None:
    result = tart_sim.run("--version")
    assert (result.returncode, result.stdout, result.stderr) == (0, "2.32.1\n", "")
    assert not tart_sim.home.exists()


def test_no_arguments_and_help_print_root_help(tart_sim: TartSim) -> None:
    for args in ([], ["--help"], ["-h"], ["help"]):
        result = tart_sim.run(*args)
        assert result.returncode == 0
        assert result.stdout.startswith("USAGE: tart <subcommand>\n")
        assert "  clone                   Clone a VM\n" in result.stdout
        assert "fqn" not in result.stdout
    assert not tart_sim.home.exists()


def test_subcommand_help(tart_sim: TartSim) -> None:
    result = tart_sim.run("get", "--help")
    assert result.returncode == 0
    assert "USAGE: tart get <name> [--format <format>]\n" in result.stdout
    assert tart_sim.run("help", "ip").stdout.startswith("OVERVIEW: Get VM's IP address\n")


def test_every_command_creates_cache_and_tmp(tart_sim: TartSim) -> None:
    result = tart_sim.run("list")
    assert (result.returncode, result.stdout, result.stderr) == (0, "\n", "")
    assert (tart_sim.home / "cache").is_dir()
    assert (tart_sim.home / "tmp").is_dir()


def test_relative_tart_home_resolves_against_cwd(tart_sim: TartSim, tmp_path: Path) -> None:
    env = dict(tart_sim.env, TART_HOME="relative/home")
    assert tart_sim.run("list", env=env, cwd=tmp_path).returncode == 0
    assert (tmp_path / "relative" / "home" / "tmp").is_dir()


def test_invalid_tart_home(tart_sim: TartSim, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = tart_sim.run("list", env=dict(tart_sim.env, TART_HOME=str(blocker / "home")))
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"TART_HOME is invalid: {blocker / 'home'} does not exist, yet we can't create it: "
    )


def test_unknown_subcommand(tart_sim: TartSim) -> None:
    result = tart_sim.run("lst")
    assert result.returncode == 64
    assert result.stderr == (
        "Error: Unexpected argument 'lst'\n"
        "Usage: tart <subcommand>\n"
        "  See 'tart --help' for more information.\n"
    )


def test_unknown_option_suggests_a_close_one(tart_sim: TartSim) -> None:
    result = tart_sim.run("list", "--sorce", "oci")
    assert result.returncode == 64
    assert result.stdout == ""
    assert result.stderr == (
        "Error: Unknown option '--sorce'. Did you mean '--source'?\n"
        "Usage: tart list [--source <source>] [--format <format>] [--quiet]\n"
        "  See 'tart list --help' for more information.\n"
    )
    assert tart_sim.run("list", "--xyzzy").stderr.startswith("Error: Unknown option '--xyzzy'\n")


def test_missing_argument_and_bad_values(tart_sim: TartSim) -> None:
    result = tart_sim.run("get")
    assert result.returncode == 64
    assert result.stderr == (
        "Error: Missing expected argument '<name>'\n"
        "Help:  <name>  VM name.\n"
        "Usage: tart get <name> [--format <format>]\n"
        "  See 'tart get --help' for more information.\n"
    )
    result = tart_sim.run("get", "vm", "--format", "yaml")
    assert result.returncode == 64
    assert result.stderr.splitlines()[0] == (
        "Error: The value 'yaml' is invalid for '--format <format>'. "
        "Please provide one of 'text' and 'json'."
    )
    result = tart_sim.run("ip", "vm", "--resolver", "mdns")
    assert result.stderr.splitlines()[0] == (
        "Error: The value 'mdns' is invalid for '--resolver <resolver>'. "
        "Please provide one of 'dhcp', 'arp' or 'agent'."
    )
    result = tart_sim.run("ip", "vm", "--wait", "soon")
    assert result.stderr.splitlines()[0] == "Error: The value 'soon' is invalid for '--wait <wait>'"
    result = tart_sim.run("get", "vm", "--format")
    assert result.stderr.splitlines()[0] == "Error: Missing value for '--format <format>'"
    result = tart_sim.run("get", "a", "b", "c")
    assert result.stderr.splitlines()[0] == "Error: 2 unexpected arguments: 'b', 'c'"
    result = tart_sim.run("list", "--quiet=yes")
    assert result.stderr.splitlines()[0] == (
        "Error: The option '--quiet' does not take any value, but 'yes' was specified."
    )
    assert tart_sim.run("delete").stderr.splitlines()[0] == (
        "Error: Missing expected argument '<name> ...'"
    )


def test_validation_error_in_validate_uses_subcommand_usage(tart_sim: TartSim) -> None:
    result = tart_sim.run("list", "--source", "cloud")
    assert result.returncode == 64
    assert result.stderr == (
        "Error: 'cloud' is not a valid <source>\n"
        "Usage: tart list [--source <source>] [--format <format>] [--quiet]\n"
        "  See 'tart list --help' for more information.\n"
    )


def test_run_usage_is_abbreviated(tart_sim: TartSim) -> None:
    result = tart_sim.run("run")
    assert result.returncode == 64
    assert result.stderr.splitlines()[-2:] == [
        "Usage: tart run [<options>] <name>",
        "  See 'tart run --help' for more information.",
    ]


def test_garbage_collection_of_tmp(tart_sim: TartSim) -> None:
    junk = tart_sim.home / "tmp" / "left-over"
    junk.mkdir(parents=True)
    (junk / "disk.img").write_bytes(b"x")
    assert tart_sim.run("pull", "--help").returncode == 0
    assert junk.exists()  # pull and clone skip the collector
    assert tart_sim.run("get", "nothing").returncode == 2
    assert not junk.exists()


def test_hang_knob(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, TART_SIM_HANG="list,ip")
    process = tart_sim.spawn("list", env=env)
    time.sleep(0.5)
    assert process.poll() is None
    assert not tart_sim.home.exists()  # hangs before doing anything
    assert tart_sim.run("get", "x", env=env).returncode == 2


def test_fail_knob(tart_sim: TartSim) -> None:
    env = dict(tart_sim.env, TART_SIM_FAIL="list:3:boom: it broke;ip:1:")
    result = tart_sim.run("list", "--format", "json", env=env)
    assert (result.returncode, result.stdout, result.stderr) == (3, "", "boom: it broke\n")
    result = tart_sim.run("ip", "vm", env=env)
    assert (result.returncode, result.stderr) == (1, "")
    assert tart_sim.run("get", "vm", env=env).returncode == 2


def test_version_knob(tart_sim: TartSim) -> None:
    result = tart_sim.run("--version", env=dict(tart_sim.env, TART_SIM_VERSION="2.28.0"))
    assert result.stdout == "2.28.0\n"


def test_writing_to_a_closed_pipe_kills_like_tart(tart_sim: TartSim) -> None:
    import subprocess

    tart_sim.seed_vm("vm")
    process = subprocess.Popen(
        [str(tart_sim.tart), "list"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=tart_sim.env,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    assert process.wait(timeout=10) in (-13, 141)  # SIGPIPE (the shim may report 128+13)
    assert process.stderr.read() == b""
    process.stderr.close()


def test_options_may_follow_several_values_of_a_repeating_argument(tart_sim: TartSim) -> None:
    """swift-argument-parser takes options anywhere; `push vm a b --concurrency 2` has two
    remote names, not four."""
    tart_sim.seed_vm("vm")
    env = dict(tart_sim.env, TART_SIM_PUSH_SECONDS="0")
    result = tart_sim.run(
        "push", "vm", "ghcr.io/a/b:1", "ghcr.io/a/b:2", "--concurrency", "2", env=env
    )
    assert result.returncode == 0, result.stderr
    assert "pushing vm to ghcr.io/a/b{:1,:2}..." in result.stdout
