"""Share holders as their own services: the forum keeps fewer than t shares and still evaluates.

`clearroom-share-holder` runs a volunteer's share in its own process (here on loopback); the
forum's key folder then holds only the secretariat's share and the credentials, so the operator
alone cannot evaluate the pseudonym function, and evaluation goes on while t holders answer.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sharing.core import oprf
from sharing.core.share_holder import HolderShare, answer
from sharing.keys import threshold_evaluator
from tests.reliability.processes import free_port
from tests.sharing.oprf_helpers import blind, evaluation_events, post_evaluation

ROOT = Path(__file__).resolve().parents[2]


def _start_holder(share: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "sharing.core.share_holder", "--share", str(share),
         "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert "share holder" in process.stdout.readline()
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, port
        time.sleep(0.05)
    raise AssertionError("share holder did not listen")


def _reload(folder: Path) -> None:
    # The evaluator is cached by the manifest's modification time.
    manifest = folder / "manifest.json"
    manifest.touch()
    stat = manifest.stat()
    import os

    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))


def test_holder_answers_only_its_credential_and_well_formed_requests(settings, tmp_path):
    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    threshold_evaluator("h1")
    folder = tmp_path / "h1"
    holder = HolderShare.load(folder / "volunteer-1.share")
    credential = (folder / "volunteer-1.credential").read_text().strip()
    _, element = oprf.blind(b"alice@example.com")
    body = json.dumps(
        {"participants": [1, 2], "elements": [base64.b64encode(element).decode()]}
    ).encode()

    assert answer(holder, "Bearer guess", body)[0] == 401
    assert answer(holder, credential, body)[0] == 401  # no scheme
    for bad in (b"{", b'{"participants": [1, 2]}', b'{"participants": [1, 2], "elements": ["!"]}',
                b'{"participants": [1, 3], "elements": []}'):  # fmt: skip
        assert answer(holder, f"Bearer {credential}", bad)[0] == 400, bad
    status, payload = answer(holder, f"Bearer {credential}", body)
    assert status == 200
    expected = oprf.partial_evaluate(holder.share, [1, 2], [element])
    assert [base64.b64decode(e) for e in payload["elements"]] == expected


@pytest.mark.django_db
def test_forum_with_one_share_evaluates_through_remote_holders_while_t_answer(
    settings, tmp_path, client, users
):
    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path / "forum"
    key_id = settings.CLEARROOM_PSEUDONYM_KEY_ID
    local = threshold_evaluator(key_id)  # dealt with every share in the folder
    folder = settings.CLEARROOM_PSEUDONYM_KEY_DIR / key_id
    _, element = oprf.blind(b"alice@example.com")
    expected = local([element])

    # The volunteers' share files leave the forum for their own machines (here: processes).
    away = tmp_path / "volunteers"
    away.mkdir()
    processes, urls = {}, []
    for name in ("volunteer-1", "volunteer-2"):
        shutil.move(folder / f"{name}.share", away / f"{name}.share")
        processes[name], port = _start_holder(away / f"{name}.share")
        urls.append(f"{name}=http://127.0.0.1:{port}")
    try:
        # Without the services, the forum's one share cannot evaluate.
        settings.CLEARROOM_OPRF_REMOTE_HOLDERS = []
        _reload(folder)
        with pytest.raises(oprf.ThresholdError):
            threshold_evaluator(key_id)([element])
        assert len(list(folder.glob("*.share"))) == 1 < local.threshold

        settings.CLEARROOM_OPRF_REMOTE_HOLDERS = urls
        _reload(folder)
        assert threshold_evaluator(key_id)([element]) == expected

        # The secretariat's share is withdrawn too: the two volunteers alone are t.
        (folder / "secretariat.credential").rename(tmp_path / "secretariat.credential")
        _reload(folder)
        assert threshold_evaluator(key_id)([element]) == expected
        (tmp_path / "secretariat.credential").rename(folder / "secretariat.credential")

        # One volunteer goes down: the secretariat and the other still make t.
        processes["volunteer-1"].terminate()
        processes["volunteer-1"].wait()
        _reload(folder)
        assert threshold_evaluator(key_id)([element]) == expected

        # A holder that refuses the forum's credential counts as not answering.
        (folder / "volunteer-2.credential").write_text("not-the-credential\n")
        _reload(folder)
        with pytest.raises(oprf.ThresholdError):
            threshold_evaluator(key_id)([element])
        # Through the API, members get 503 and nothing is recorded.
        _, body = blind("alice@example.com")
        assert post_evaluation(client, users["analyst"], body).status_code == 503
        assert not evaluation_events().exists()
    finally:
        for process in processes.values():
            process.terminate()
            process.wait()


def test_remote_holder_setting_must_name_a_url(settings, tmp_path):
    from django.core.exceptions import ImproperlyConfigured

    settings.CLEARROOM_PSEUDONYM_KEY_DIR = tmp_path
    settings.CLEARROOM_OPRF_REMOTE_HOLDERS = ["volunteer-1"]
    with pytest.raises(ImproperlyConfigured):
        threshold_evaluator("bad")
