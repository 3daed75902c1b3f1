"""The peer: OASIS medallion 3.0.0, memory backend, in its own virtual environment.

Installed with pip from PyPI into var/bench/medallion-venv (once; reused by later runs), served
by gunicorn with one worker (the memory backend lives in one process) and 4 threads on
loopback, with one API root (`api1`), one collection and one Basic-auth user.
"""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from pathlib import Path

from benchmarks import harness
from benchmarks.load import Server

VENV = harness.BENCH_DIR / "medallion-venv"
VERSION = "3.0.0"
COLLECTION = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"
USER, PASSWORD = "bench", "bench-password"
STIX = "application/stix+json;version=2.1"


def install() -> Path:
    """Create the medallion virtual environment when missing; return its bin directory."""
    bin_dir = VENV / "bin"
    marker = VENV / f".medallion-{VERSION}"
    if not marker.exists():
        subprocess.run(["python3.11", "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(bin_dir / "pip"), "install", "--quiet", f"medallion=={VERSION}", "gunicorn"],
            check=True,
        )
        marker.touch()
    return bin_dir


def _manifest_entry(obj: dict, date_added: str) -> dict:
    return {"id": obj["id"], "date_added": date_added, "version": obj["modified"],
            "media_type": STIX}  # fmt: skip


def write_config(port: int, objects: list[dict], added: list[str], name: str) -> Path:
    """Write medallion's configuration and memory data file, preloaded with `objects`."""
    data = {
        "/discovery": {
            "title": "medallion bench",
            "default": f"http://127.0.0.1:{port}/api1/",
            "api_roots": [f"http://127.0.0.1:{port}/api1/"],
        },
        "api1": {
            "information": {
                "title": "bench",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 100 * 1024 * 1024,
            },
            "status": [],
            "collections": [
                {
                    "id": COLLECTION,
                    "title": "bench",
                    "can_read": True,
                    "can_write": True,
                    "media_types": [STIX],
                    "objects": objects,
                    "manifest": [
                        _manifest_entry(o, d) for o, d in zip(objects, added, strict=True)
                    ],
                }
            ],
        },
    }
    data_path = harness.BENCH_DIR / f"medallion-{name}-data.json"
    data_path.write_text(json.dumps(data))
    config = {
        "backend": {
            "module_class": "MemoryBackend",
            "module": "medallion.backends.memory_backend",
            "filename": str(data_path),
        },
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 1000},
    }
    path = harness.BENCH_DIR / f"medallion-{name}.json"
    path.write_text(json.dumps(config))
    return path


def serve(objects: list[dict] | None = None, added: list[str] | None = None, *, name: str):
    """Start medallion preloaded with `objects`; return (process, Server)."""
    bin_dir = install()
    port = harness.free_port()
    config = write_config(port, objects or [], added or [], name)
    process = harness.start(
        [str(bin_dir / "gunicorn"), "--workers", "1", "--threads", "4",
         "--bind", f"127.0.0.1:{port}", "--timeout", "1200",
         f"medallion:load_app('{config}')"],
        env=harness.python_env(),
        log=f"medallion-{name}",
    )  # fmt: skip
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    server = Server(
        name="medallion",
        discovery=f"http://127.0.0.1:{port}/taxii2/",
        api_root=f"http://127.0.0.1:{port}/api1/",
        headers={"Authorization": f"Basic {auth}"},
    )
    harness.wait_http(server.discovery, process, timeout=300)
    return process, server


def stix_copy(objects: list[dict], run: str) -> list[dict]:
    """Return the objects with fresh ids (medallion keeps one copy of an id and version)."""
    ns = uuid.uuid5(uuid.NAMESPACE_URL, run)
    return [{**o, "id": f"indicator--{uuid.uuid5(ns, o['id'])}"} for o in objects]
