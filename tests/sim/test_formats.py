"""Output primitives and the remote-name grammar, checked in-process (§2, §4)."""

from __future__ import annotations

import json

import pytest

from taartenfabriek.sim.jsonread import loads
from taartenfabriek.sim.names import RemoteNameError, parse, try_parse
from taartenfabriek.sim.output import byte_count, json_pretty, relative_phrase, text_table


def test_text_table_pads_and_trims_like_texttable() -> None:
    table = text_table(["Name", "State"], [["a", "running"], ["bb", "stopped"]])
    assert table == "Name State  \na    running\nbb   stopped"
    assert text_table(["Name"], []) == ""


def test_json_pretty_matches_swift_layout() -> None:
    assert json_pretty([]) == "[\n\n]"
    assert json_pretty({}) == "{\n\n}"
    assert json_pretty({"b": 1, "a": "x/y", "c": [True, None]}) == (
        '{\n  "a" : "x\\/y",\n  "b" : 1,\n  "c" : [\n    true,\n    null\n  ]\n}'
    )
    assert json_pretty('q"\\\n\x01') == '"q\\"\\\\\\n\\u0001"'


def test_relative_phrases() -> None:
    now = 1_000_000_000.0
    assert relative_phrase(now - 150, now) == "2 minutes ago"
    assert relative_phrase(now - 3 * 86400 - 5, now) == "3 days ago"
    assert relative_phrase(now - 3600, now) == "1 hour ago"
    assert relative_phrase(now - 10 * 86400, now) == "1 week ago"
    assert relative_phrase(now - 0.4, now) == "0 seconds ago"
    assert relative_phrase(now, now) == "in 0 seconds"


def test_byte_count_like_bytecountformatter() -> None:
    assert byte_count(50_000_000_000) == "50 GB"
    assert byte_count(20_000_000_000) == "20 GB"
    assert byte_count(21_345_000_000) == "21.35 GB"
    assert byte_count(1_500_000) == "1.5 MB"
    assert byte_count(512) == "512 bytes"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        (
            "ghcr.io/cirruslabs/macos-tahoe-base:latest",
            "ghcr.io/cirruslabs/macos-tahoe-base:latest",
        ),
        ("ghcr.io/cirruslabs/ubuntu", "ghcr.io/cirruslabs/ubuntu:latest"),
        ("localhost:5000/a/b_c/d.e:1.2.3-RC-1", "localhost:5000/a/b_c/d.e:1.2.3-RC-1"),
        ("127.0.0.1/x", "127.0.0.1/x:latest"),
        ("a/b", "a/b:latest"),
        ("GHCR.IO/Org/Img:Tag", "GHCR.IO/Org/Img:Tag"),
        ("ghcr.io/a/b@sha256:0123abcd", "ghcr.io/a/b@sha256:0123abcd"),
    ],
)
def test_remote_names(text: str, canonical: str) -> None:
    assert str(parse(text)) == canonical


@pytest.mark.parametrize(
    "text",
    ["debian:latest", "ubuntu", "my_host/x", "ghcr.io/a b", "ghcr.io/a/~b", "ghcr.io/é/x",
     "ghcr.io/a..b/c", "ghcr.io/a/b:", "ghcr.io/a/b@md5:abc", "ghcr.io:/a", "", "a/"],
)  # fmt: skip
def test_local_names(text: str) -> None:
    assert try_parse(text) is None


def test_parse_error_texts() -> None:
    with pytest.raises(RemoteNameError, match=r"^token recognition error at: ' ' \(character 9\)$"):
        parse("ghcr.io/a b")
    with pytest.raises(RemoteNameError, match=r"^unknown reference format$"):
        parse("ghcr.io/a/b@md5:abc")
    with pytest.raises(RemoteNameError, match=r"\(character 6\)$"):
        parse("debian")


def test_oci_cache_host_encoding() -> None:
    name = parse("localhost:5000/ns/img:1")
    assert (name.host, name.namespace, name.tag, name.digest) == (
        "localhost:5000",
        "ns/img",
        "1",
        None,
    )


@pytest.mark.parametrize(
    "document",
    [
        '{"a": [1, -2.5e3, true, false, null], "b": {"c": "x\\\\y\\"z\\u00e9\\ud83d\\ude00\\/"}}',
        "[]",
        " {} ",
        '"plain"',
        "0",
        '{"memorySize" : 8589934592, "display" : {"width" : 1024}}',
    ],
)
def test_json_reader_agrees_with_the_json_module(document: str) -> None:
    assert loads(document) == json.loads(document)


@pytest.mark.parametrize("document", ["{", "[1,]", '{"a" 1}', "01", '"\\x"', "nul", "[1] 2", ""])
def test_json_reader_rejects_invalid_documents(document: str) -> None:
    with pytest.raises(ValueError):
        loads(document)
