"""`make serve`: the production shape (gunicorn, a Celery worker and beat on PostgreSQL and Redis,
DEBUG off) starts from the Makefile, serves the feed and runs background work."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import dj_database_url
import psycopg
import pytest
import requests
from psycopg import sql

from governance.demo import DEMO_PASSWORD
from sharing.taxii.envelope import MEDIA_TYPE
from tests.reliability.processes import free_port

REPO = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 240


def _server_params(url: str) -> tuple[str, dict]:
    config = dj_database_url.parse(url)
    assert config["ENGINE"] == "django.db.backends.postgresql", "make serve needs PostgreSQL"
    params = {"host": config["HOST"], "port": config["PORT"] or 5432, "user": config["USER"]}
    return config["NAME"], {k: v for k, v in params.items() if v}


def _drop_database(url: str) -> None:
    name, params = _server_params(url)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@pytest.fixture
def served(tmp_path):
    """Start `make serve` on a database of its own with the demo seeded; yield its base URL."""
    database_url = os.environ["DATABASE_URL"] + "_serve"
    broker_url = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
    _drop_database(database_url)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("DEBUG", "CLEARROOM_", "SECURE_", "DJANGO_", "STATIC_", "PYTEST", "DATABASE_CONN")
        )
    }
    env.update(CLEARROOM_VAR_DIR=str(tmp_path / "var"), SEED_DEMO="1")
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        ["make", "--no-print-directory", "serve", f"PORT={port}",
         f"DATABASE_URL_SERVE={database_url}", f"CELERY_BROKER_URL_SERVE={broker_url}"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if requests.get(f"{base}/login/", timeout=30).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(1)
        yield base, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        _drop_database(database_url)


def _demo_code(username: str) -> str:
    from django_otp.oath import TOTP

    from identity.demo import demo_totp_key

    return f"{TOTP(bytes.fromhex(demo_totp_key(username))).token():06d}"


def _login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/login/").text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = session.post(
        f"{base}/login/",
        data={"username": username, "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/login/"},
    )
    if "/account/second-factor/verify/" in response.url:
        # Demo users have an authenticator app with a public secret (README, `demo_totp`).
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
        response = session.post(
            response.url,
            data={"code": _demo_code(username), "csrfmiddlewaretoken": token, "next": "/"},
            headers={"Referer": response.url},
        )
    if response.url.startswith(f"{base}/charter/"):
        # The demo puts an antitrust charter in force: a user accepts it at first login.
        version = re.search(r'name="version" value="(\d+)"', response.text).group(1)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)
        response = session.post(
            f"{base}/charter/",
            data={"version": version, "accept": "1", "next": "/", "csrfmiddlewaretoken": token},
            headers={"Referer": response.url},
        )
    assert response.url == f"{base}/", response.text[:500]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def test_make_serve_runs_gunicorn_celery_worker_and_beat_and_serves_the_feed(served):
    base, tmp_path = served
    # Production settings: DEBUG off, so the demo's login hint and debug pages are absent.
    assert "demo-logins" not in requests.get(f"{base}/login/").text
    assert requests.get(f"{base}/no-such-page/").text.count("Traceback") == 0

    # A member reads the feed: the page, and through TAXII once the handling terms are accepted.
    analyst = _login(base, "northwind-analyst")
    assert analyst.get(f"{base}/indicators/").status_code == 200
    for marking in ("TLP:AMBER", "TLP:AMBER+STRICT", "PAP:GREEN"):
        response = analyst.post(f"{base}/api/v1/markings/acknowledge/", json={"marking": marking})
        assert response.status_code == 201, response.text
    taxii = requests.Session()
    taxii.auth = ("northwind-analyst", DEMO_PASSWORD)
    taxii.headers["Accept"] = MEDIA_TYPE
    (collection,) = taxii.get(f"{base}/taxii2/api/collections/").json()["collections"]
    objects = taxii.get(f"{base}/taxii2/api/collections/{collection['id']}/objects/")
    assert objects.status_code == 200
    assert objects.headers["Content-Type"] == MEDIA_TYPE
    assert len(objects.json()["objects"]) >= 3

    # The Celery worker builds an export the regulator requests (nothing runs eagerly here).
    regulator = _login(base, "regulator")
    before = {e["id"] for e in regulator.get(f"{base}/api/v1/audit/exports/").json()["results"]}
    assert regulator.post(f"{base}/api/v1/audit/exports/", json={}).status_code == 202
    deadline = time.monotonic() + 60
    while True:
        exports = regulator.get(f"{base}/api/v1/audit/exports/").json()["results"]
        new = [e for e in exports if e["id"] not in before]
        if new and new[0]["status"] in ("complete", "failed"):
            break
        assert time.monotonic() < deadline, new
        time.sleep(0.5)
    assert new[0]["status"] == "complete", new[0]

    # Celery beat is running: it keeps its schedule under the var directory.
    assert list((tmp_path / "var").glob("celerybeat-schedule*"))
