"""Where the controller is and how to log in: settings, the CLI's context file, TLS pinning."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from taartenfabriek.backends.orchard.context import (
    DEV_URL,
    normalise_url,
    parse_bootstrap_token,
    resolve,
)
from taartenfabriek.core.errors import InvalidInput
from tests.fakes.orchard import FakeOrchard
from tests.server import ServerProcess

CONTEXT = """\
contexts:
    lab:
        url: {url}
        certificate: {certificate}
        serviceAccountName: {name}
        serviceAccountToken: '{token}'
    other:
        url: https://elsewhere.example:6120
default-context: lab
"""


def write_context(home: Path, **fields: str) -> Path:
    values = {"url": "https://mac-mini.lan:6120", "certificate": "", "name": "", "token": ""}
    values.update(fields)
    values["token"] = values["token"].replace("'", "''")  # YAML single-quote escaping, as Go's
    path = home / ".orchard" / "orchard.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CONTEXT.format(**values))
    path.chmod(0o600)
    return path


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_url_normalisation_follows_the_cli() -> None:
    assert normalise_url("mac-mini.lan") == "https://mac-mini.lan:6120"
    assert normalise_url("http://127.0.0.1:6120/") == "http://127.0.0.1:6120"
    assert normalise_url("https://ctl.example/orchard/") == "https://ctl.example:6120/orchard"
    with pytest.raises(InvalidInput):
        normalise_url("ftp://x")
    with pytest.raises(InvalidInput, match="must not hold credentials"):
        normalise_url("https://admin:secret@ctl:6120")


def test_settings_win_and_no_context_means_orchard_dev(tmp_path: Path) -> None:
    env = {"ORCHARD_HOME": str(tmp_path)}
    connection = resolve(url=None, service_account=None, token=None, environ=env)
    assert (connection.url, connection.auth) == (DEV_URL, None)
    given = resolve(url="http://10.0.0.2:6120", service_account="sa", token="t", environ=env)
    assert (given.url, given.auth) == ("http://10.0.0.2:6120", ("sa", "t"))
    assert given.source == "settings"
    with pytest.raises(InvalidInput, match="both a service account name and its token"):
        resolve(url="http://x:1", service_account="sa", token=None, environ=env)


def test_default_context_fills_what_settings_leave_out(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    write_context(
        tmp_path, certificate=base64.b64encode(pem.encode()).decode(), name="ui", token="p#:w'd"
    )
    env = {"ORCHARD_HOME": str(tmp_path)}
    connection = resolve(url=None, service_account=None, token=None, environ=env)
    assert connection.url == "https://mac-mini.lan:6120"
    assert connection.auth == ("ui", "p#:w'd")  # YAML quoting handled by a real parser
    assert connection.certificate == pem
    assert "lab" in connection.source and "p#:w'd" not in connection.describe()
    same = resolve(url="mac-mini.lan", service_account=None, token=None, environ=env)
    assert same.auth == ("ui", "p#:w'd") and same.certificate == pem
    # a different URL never gets the context's credentials or certificate
    other = resolve(url="https://evil.example", service_account=None, token=None, environ=env)
    assert (other.auth, other.certificate) == (None, None)
    # the CLI's own env overrides of the default context apply too
    env["ORCHARD_SERVICE_ACCOUNT_TOKEN"] = "from-env"
    assert resolve(url=None, service_account=None, token=None, environ=env).token == "from-env"


def test_bad_context_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / ".orchard" / "orchard.yml"
    path.parent.mkdir()
    path.write_text("contexts: [unclosed\n")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        resolve(url=None, service_account=None, token=None, environ={"ORCHARD_HOME": str(tmp_path)})


def test_bootstrap_token_carries_name_token_and_certificate(tmp_path: Path) -> None:
    pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    parts = (b64url("bootstrap-admin"), b64url("s3cret"), b64url(pem))
    token = "orchard-bootstrap-token-v0." + ".".join(parts)
    assert parse_bootstrap_token(token) == ("bootstrap-admin", "s3cret", pem)
    connection = resolve(url="https://c:6120", service_account=None, token=token, environ={})
    assert connection.auth == ("bootstrap-admin", "s3cret") and connection.certificate == pem
    with pytest.raises(InvalidInput):
        parse_bootstrap_token("orchard-bootstrap-token-v0.onlyone")


@pytest.fixture
def controller_cert(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate built like `controller run`'s: ECDSA P-384, SAN DNS orchard-controller."""
    cert, key = tmp_path / "controller.crt", tmp_path / "controller.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-nodes",
         "-subj", "/CN=Orchard Controller", "-addext", "subjectAltName=DNS:orchard-controller"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.mark.integration
def test_tls_with_the_pinned_certificate_of_the_context(
    controller_cert: tuple[Path, Path],
    fake_factory: Callable[..., FakeOrchard],
    server_factory: Callable[..., ServerProcess],
    tmp_path: Path,
) -> None:
    fake = fake_factory(dev=False, tls=controller_cert)
    fake.store.add_account("ui", "tok-3n", ["compute:read", "compute:write"])
    fake.store.add_worker("mac-1")
    fake.store.create_vm({"name": "tls-vm", "image": "ghcr.io/a/b:1"})
    home = tmp_path / "orchard-home"
    write_context(
        home,
        url=fake.url,
        certificate=base64.b64encode(controller_cert[0].read_bytes()).decode(),
        name="ui",
        token="tok-3n",
    )
    # only the backend is chosen: URL, credentials and certificate come from the context
    server = server_factory(
        env_overrides={"TARTVM_BACKEND": "orchard", "ORCHARD_HOME": str(home)}
    ).start()
    with server.client() as client:
        refreshed = client.post("/api/vms/refresh")
        assert refreshed.status_code == 200, refreshed.text
        assert [vm["name"] for vm in refreshed.json()] == ["tls-vm"]
        assert client.get("/api/tart/version").json()["backend"] == "orchard"
    assert "tok-3n" not in server.log_path.read_text()

    # without the certificate the system roots do not trust it: a clear TLS error
    write_context(home, url=fake.url, name="ui", token="tok-3n")
    untrusted = server_factory(
        env_overrides={"TARTVM_BACKEND": "orchard", "ORCHARD_HOME": str(home)}
    ).start()
    with untrusted.client() as client:
        response = client.post("/api/vms/refresh")
    assert response.status_code == 502
    detail = response.json()["detail"]
    assert "TLS" in detail and "orchard context create" in detail


@pytest.mark.integration
def test_context_file_never_switches_the_backend(
    fake: FakeOrchard, server_factory: Callable[..., ServerProcess], tmp_path: Path
) -> None:
    home = tmp_path / "orchard-home"
    write_context(home, url=fake.url)
    server = server_factory(env_overrides={"ORCHARD_HOME": str(home)}).start()
    with server.client() as client:
        assert client.get("/api/health").json()["backend"] == "local"
    assert fake.calls() == []


def test_serve_refuses_an_unreadable_context_without_a_traceback(
    tmp_path: Path, server_factory: Callable[..., ServerProcess]
) -> None:
    home = tmp_path / "orchard-home"
    (home / ".orchard").mkdir(parents=True)
    (home / ".orchard" / "orchard.yml").write_text("contexts: [unclosed\n")
    server = server_factory(env_overrides={"TARTVM_BACKEND": "orchard", "ORCHARD_HOME": str(home)})
    with pytest.raises(RuntimeError, match="exited early") as failure:
        server.start()
    assert "not valid YAML" in str(failure.value)
    assert "Traceback" not in str(failure.value)
