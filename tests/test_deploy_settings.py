"""Production settings: `check --deploy` is clean, and nothing starts without its secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE belongs to the test process, not production.
        if not k.startswith(
            ("DEBUG", "CLEARROOM_", "SECURE_", "SECRET_KEY", "STATIC_", "DJANGO_ALLOW_ASYNC")
        )
    }
    env.update(
        {
            "SECRET_KEY": "x" * 20 + "production-secret-key-for-the-check-only-" + "y" * 20,
            "ALLOWED_HOSTS": "clearroom.example",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "CLEARROOM_VAR_DIR": str(tmp_path),
            "SECURE_SSL_REDIRECT": "1",
            "SECURE_HSTS_SECONDS": "31536000",
        }
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "secret file" in result.stderr and "is missing" in result.stderr


def test_production_cookies_are_secure_and_debug_is_off(tmp_path):
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=REPO,
        env={**_production_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True", "True", "True"]
