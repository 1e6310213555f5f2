"""The OCI cache under `$TART_HOME/cache/OCIs/` (Tart's VMStorageOCI).

Layout: `<host, ':' as %3A>/<namespace>/sha256:<hex>/` digest directories holding config.json,
disk.img, nvram.bin, manifest.json (+ `.explicitly-pulled` when pulled by digest), and tag
symlinks with absolute targets. Imports `home`, `names`, `vmdir`, `errors`, `files`.
"""

from __future__ import annotations

import os

from . import home
from .errors import does_not_exist
from .files import remove
from .names import RemoteName, decode_host, encode_host
from .vmdir import VMDir

EXPLICIT_MARKER = ".explicitly-pulled"


def host_dir(name: RemoteName) -> str:
    return os.path.join(home.oci_dir(), encode_host(name.host))


def entry_path(name: RemoteName) -> str:
    return os.path.join(host_dir(name), *name.namespace.split("/"), name.reference)


def digest_path(name: RemoteName, digest: str) -> str:
    return entry_path(name.with_digest(digest))


def exists(name: RemoteName) -> bool:
    return VMDir(entry_path(name)).initialized()


def open_image(name: RemoteName) -> VMDir:
    vm = VMDir(entry_path(name), str(name))
    if not vm.initialized():
        raise does_not_exist(str(name))
    return vm


def linked_digest(name: RemoteName) -> str | None:
    """The digest a cached tag points at (or the digest itself), None if not cached."""
    path = entry_path(name)
    if not VMDir(path).initialized():
        return None
    if name.digest is not None:
        return name.digest
    return os.path.basename(os.path.realpath(path))


def link(tag_name: RemoteName, digest_dir: str) -> None:
    """Point the tag symlink at `digest_dir` (absolute target), replacing an older link."""
    tag_path = entry_path(tag_name)
    os.makedirs(os.path.dirname(tag_path), exist_ok=True)
    temporary = f"{tag_path}.{os.getpid()}.link"
    os.symlink(os.path.abspath(digest_dir), temporary)
    os.replace(temporary, tag_path)


def _walk() -> list[tuple[str, str, bool]]:
    """(display name, path, is tag link) for every cache entry, unsorted."""
    found: list[tuple[str, str, bool]] = []
    root = home.oci_dir()
    try:
        hosts = os.listdir(root)
    except OSError:
        return found

    def visit(directory: str, repository: str) -> None:
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return
        for entry in entries:
            if entry.is_symlink():
                found.append((f"{repository}:{entry.name}", entry.path, True))
            elif entry.is_dir():
                if entry.name.startswith("sha256:"):
                    found.append((f"{repository}@{entry.name}", entry.path, False))
                else:
                    visit(entry.path, f"{repository}/{entry.name}")

    for host in hosts:
        host_path = os.path.join(root, host)
        try:
            namespaces = list(os.scandir(host_path))
        except OSError:
            continue
        for entry in namespaces:
            if entry.is_dir(follow_symlinks=False):
                visit(entry.path, f"{decode_host(host)}/{entry.name}")
    return found


def list_images() -> list[VMDir]:
    """Initialized cache entries (tags and digests) sorted by name; VMDir.name is the name."""
    images = [VMDir(path, name) for name, path, _tag in _walk()]
    return sorted((vm for vm in images if vm.initialized()), key=lambda vm: vm.name)


def digest_dirs() -> list[VMDir]:
    return [VMDir(path, name) for name, path, tag in _walk() if not tag]


def gc() -> None:
    """Drop dangling tag links and digest dirs no tag points at (unless pulled by digest)."""
    referenced: set[str] = set()
    for _name, path, is_tag in _walk():
        if not is_tag:
            continue
        target = os.path.realpath(path)
        if VMDir(target).initialized():
            referenced.add(target)
        else:
            remove(path)
    for _name, path, is_tag in _walk():
        if is_tag or os.path.realpath(path) in referenced:
            continue
        if not os.path.exists(os.path.join(path, EXPLICIT_MARKER)):
            remove(path)


def delete(name: RemoteName) -> None:
    path = entry_path(name)
    if os.path.islink(path):
        os.unlink(path)
    elif os.path.isdir(path):
        remove(path)
    else:
        raise does_not_exist(str(name))
    gc()
