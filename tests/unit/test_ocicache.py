from pathlib import Path

from taartenfabriek.tart.ocicache import linked_digest, paired_digests
from taartenfabriek.tart.parse import ListEntry

HEX = "ab" * 32
OTHER = "cd" * 32


def _tag(home: Path, host: str, namespace: str, tag: str, digest: str) -> None:
    folder = home / "cache" / "OCIs" / host / namespace
    (folder / digest).mkdir(parents=True)
    (folder / tag).symlink_to(folder / digest)  # Tart writes absolute targets


def test_the_tag_link_names_the_digest(tmp_path: Path) -> None:
    _tag(tmp_path, "ghcr.io", "cirruslabs/ubuntu", "latest", f"sha256:{HEX}")
    _tag(tmp_path, "localhost%3A5000", "team/img", "1.2", f"sha256:{OTHER}")
    assert linked_digest(tmp_path, "ghcr.io/cirruslabs/ubuntu:latest") == f"sha256:{HEX}"
    assert linked_digest(tmp_path, "localhost:5000/team/img:1.2") == f"sha256:{OTHER}"


def test_anything_else_is_unknown(tmp_path: Path) -> None:
    _tag(tmp_path, "ghcr.io", "cirruslabs/ubuntu", "latest", f"sha256:{HEX}")
    folder = tmp_path / "cache" / "OCIs" / "ghcr.io" / "cirruslabs" / "ubuntu"
    (folder / "plain").mkdir()
    (folder / "odd").symlink_to(folder / "plain")
    for name in (
        "ghcr.io/cirruslabs/ubuntu:missing",
        "ghcr.io/cirruslabs/ubuntu:plain",  # a directory, not a link
        "ghcr.io/cirruslabs/ubuntu:odd",  # a link, but not to a digest
        f"ghcr.io/cirruslabs/ubuntu@sha256:{HEX}",  # a digest is not a tag
        "ubuntu",
    ):
        assert linked_digest(tmp_path, name) is None, name
    assert linked_digest(None, "ghcr.io/cirruslabs/ubuntu:latest") is None


def _oci(name: str, disk: int = 50, size: int = 22) -> ListEntry:
    return ListEntry(name, "OCI", "stopped", disk, size, None)


def test_one_tag_and_one_digest_of_the_same_sizes_are_a_pair() -> None:
    entries = [
        ListEntry("dev", "local", "stopped", 50, 22, None),
        _oci("ghcr.io/a/b:latest"),
        _oci(f"ghcr.io/a/b@sha256:{HEX}"),
        _oci("ghcr.io/a/c:latest", size=3),  # sizes differ: not taken as a pair
        _oci(f"ghcr.io/a/c@sha256:{HEX}", size=4),
        _oci("ghcr.io/a/d:1"),  # two tags, one digest: which one is it?
        _oci("ghcr.io/a/d:2"),
        _oci(f"ghcr.io/a/d@sha256:{HEX}"),
        _oci("ghcr.io/a/e:latest"),  # one tag, two digests
        _oci(f"ghcr.io/a/e@sha256:{HEX}"),
        _oci(f"ghcr.io/a/e@sha256:{OTHER}"),
        _oci("ghcr.io/a/f:latest"),  # known already: kept
        _oci(f"ghcr.io/a/f@sha256:{HEX}"),
    ]
    known = {
        "ghcr.io/a/b:latest": None,
        "ghcr.io/a/c:latest": None,
        "ghcr.io/a/d:1": None,
        "ghcr.io/a/d:2": None,
        "ghcr.io/a/e:latest": None,
        "ghcr.io/a/f:latest": f"sha256:{OTHER}",
    }
    assert paired_digests(entries, known) == {**known, "ghcr.io/a/b:latest": f"sha256:{HEX}"}
