"""Start the test OpenID Connect provider (tests/identity/provider/) as a real process on a
free loopback port, with a fresh RSA key, database and client registration."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.reliability.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "clearroom"
CLIENT_SECRET = "provider-client-secret-for-tests"


@dataclass
class Provider:
    issuer: str
    private_key_pem: bytes
    process: subprocess.Popen


def start(tmp: Path, redirect_uris: list[str]) -> Provider:
    """Start the provider; return its issuer and signing key (for forging tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp / "provider.pem").write_bytes(pem)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "tests.identity.provider.settings",
        "PROVIDER_DB": str(tmp / "provider.sqlite3"),
        "PROVIDER_KEY": str(tmp / "provider.pem"),
        "PYTHONPATH": str(ROOT),
    }
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], **run)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.identity.provider.setup_client",
            " ".join(redirect_uris),
            CLIENT_SECRET,
        ],
        **run,
    )
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "provider.log").open("wb"),
    )
    issuer = f"http://127.0.0.1:{port}/o"
    wait_for_issuer(issuer, process, tmp / "provider.log")
    return Provider(issuer=issuer, private_key_pem=pem, process=process)


def wait_for_issuer(issuer: str, process: subprocess.Popen, log: Path, timeout: float = 30) -> None:
    """Return once the provider at `issuer` serves its discovery document; fail with its log if
    the process ends or `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return
        except requests.RequestException:
            if process.poll() is not None:
                break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(log.read_text())


def stop(provider: Provider) -> None:
    """Stop the provider process."""
    provider.process.terminate()
    provider.process.wait(timeout=10)
