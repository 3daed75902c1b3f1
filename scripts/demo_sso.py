"""The demo's local OpenID Connect provider: Meridian Systems' "identity provider".

`make run` starts it when django-oauth-toolkit is installed (the development tools: `make
install-dev` or `make test` install them), and registers it as Meridian's single sign-on with
`manage.py demo_sso`. It is the same small provider project the single sign-on tests run
(tests/identity/provider/): a second Django project, its own SQLite database and RSA key under
VAR/demo-sso/. It knows Meridian's three demo people, with the demo password.

    python scripts/demo_sso.py VAR_DIR PORT CLEARROOM_URL

Exit status 3 when the provider cannot run here (the tools are not installed).
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def prepare(var: Path, clearroom_url: str) -> dict[str, str]:
    """Create the provider's key, client secret, database and registrations; return its env."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from governance.demo import DEMO_PASSWORD, USERS, demo_email

    folder = var / "demo-sso"
    folder.mkdir(parents=True, exist_ok=True)
    key_path, secret_path = folder / "provider.pem", folder / "client-secret"
    if not key_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _private(key_path, pem)
    if not secret_path.exists():
        _private(secret_path, (secrets.token_urlsafe(32) + "\n").encode())
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "tests.identity.provider.settings",
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_KEY": str(key_path),
        "PYTHONPATH": str(ROOT),
    }
    people = [
        f"{username}:{demo_email(username, slug)}"
        for username, _, _, slug, _ in USERS
        if slug == "meridian"
    ]
    run = {"cwd": ROOT, "env": env, "check": True}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], **run)  # noqa: S603
    subprocess.run(  # noqa: S603 (our interpreter; the arguments are the demo's own)
        [
            sys.executable,
            "-m",
            "tests.identity.provider.setup_demo",
            _callbacks(clearroom_url),
            secret_path.read_text().strip(),
            DEMO_PASSWORD,
            *people,
        ],
        **run,
    )
    return env


def _callbacks(clearroom_url: str) -> str:
    """Clearroom's callback at the address given and its loopback twin (127.0.0.1/localhost)."""
    base = clearroom_url.rstrip("/")
    twins = {
        base,
        base.replace("://127.0.0.1", "://localhost"),
        base.replace("://localhost", "://127.0.0.1"),
    }
    return " ".join(f"{url}/login/sso/callback/" for url in sorted(twins))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    if importlib.util.find_spec("oauth2_provider") is None:
        print(
            "single sign-on demo skipped: django-oauth-toolkit is not installed "
            "(make install-dev installs it)",
            file=sys.stderr,
        )
        return 3
    var, port, clearroom_url = Path(args[0]).resolve(), int(args[1]), args[2]
    env = prepare(var, clearroom_url)
    command = [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"]
    os.execvpe(sys.executable, command, env)  # noqa: S606 (our own interpreter and arguments)


if __name__ == "__main__":
    sys.exit(main())
