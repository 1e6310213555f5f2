import pytest

from taartenfabriek.tart import parse

LIST_JSON = """[
  {
    "Accessed" : "2026-05-12T21:45:18Z",
    "Disk" : 50,
    "Name" : "ghcr.io\\/cirruslabs\\/macos-tahoe-base:latest",
    "Running" : false,
    "Size" : 22,
    "Source" : "OCI",
    "State" : "stopped"
  },
  {
    "Running" : true,
    "Name" : "dev",
    "Disk" : 20,
    "SizeOnDisk" : 3,
    "Source" : "local"
  },
  {
    "Name" : "sleepy",
    "Source" : "local",
    "State" : "suspended",
    "Disk" : "30"
  },
  {"Source": "local"}
]
"""


def test_list_entries_are_parsed_leniently() -> None:
    entries = parse.list_entries(LIST_JSON)
    assert [e.name for e in entries] == [
        "ghcr.io/cirruslabs/macos-tahoe-base:latest",
        "dev",
        "sleepy",
    ]
    oci, dev, sleepy = entries
    assert (oci.source, oci.state, oci.disk, oci.size) == ("OCI", "stopped", 50, 22)
    assert oci.accessed == "2026-05-12T21:45:18Z"
    assert (dev.state, dev.size) == ("running", 3)  # pre-2.31 SizeOnDisk, no State
    assert (sleepy.state, sleepy.disk) == ("suspended", 30)


def test_list_entries_without_source_tell_oci_names_by_their_slash() -> None:
    entries = parse.list_entries(
        '[{"Name": "dev", "State": "stopped"},'
        ' {"Name": "ghcr.io\\/cirruslabs\\/ubuntu:latest", "State": "stopped"}]'
    )
    assert [(e.name, e.source) for e in entries] == [
        ("dev", "local"),
        ("ghcr.io/cirruslabs/ubuntu:latest", "OCI"),
    ]


def test_empty_list_as_tart_prints_it() -> None:
    assert parse.list_entries("[\n\n]\n") == []


def test_list_that_is_not_json_raises() -> None:
    with pytest.raises(ValueError):
        parse.list_entries("Source Name\n")


@pytest.mark.parametrize(
    ("raw", "line"),
    [
        ("\x1b[1A\r\x1b[J42%\n", "42%"),
        ("12%\r13%\r", "13%"),
        ("pulling manifest...\n", "pulling manifest..."),
        ("\x1b[32mgreen\x1b[0m", "green"),
    ],
)
def test_clean_line(raw: str, line: str) -> None:
    assert parse.clean_line(raw) == line


@pytest.mark.parametrize(
    ("line", "value"), [("0%", 0.0), ("100%", 100.0), (" 7% ", 7.0), ("101%", None), ("7 GB", None)]
)
def test_progress(line: str, value: float | None) -> None:
    assert parse.progress(line) == value


def test_config_fields_normalise_units() -> None:
    raw = {
        "CPU": 4,
        "Memory": 8192,
        "Disk": 50,
        "OS": "darwin",
        "Display": "1024x768",
        "State": "stopped",
        "Running": False,
        "Size": "21.345",
    }
    fields = parse.config_fields(raw)
    assert fields == {
        "os": "darwin",
        "cpu": 4,
        "memory": "8G",
        "disk_size": "50G",
        "display": "1024x768",
        "state": "stopped",
    }
    assert parse.memory_from_mib(1536) == "1536M"
    assert parse.config_fields({})["cpu"] is None


def test_ip_and_vnc() -> None:
    assert parse.ip_address("192.168.64.3\n") == "192.168.64.3"
    assert parse.ip_address("no IP address found\n") is None
    assert parse.vnc_url("VNC server is running at vnc://192.168.64.3") == "vnc://192.168.64.3"
    assert parse.vnc_url("Opening vnc://192.168.64.3...") == "vnc://192.168.64.3"
