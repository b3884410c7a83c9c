"""Signed heads published outside the database (issue 16, item 2): what the checkpoint
writes, that verify checks every published head, and that a forged line is found."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from access.scoping import system_scope
from accesslog import heads as signed_heads
from accesslog import integrity
from portal.celery import app as celery_app
from tests.accesslog.conftest import entries_of

pytestmark = pytest.mark.django_db


def verify() -> list[integrity.ChainReport]:
    with system_scope():
        return integrity.verify()


def test_checkpoint_publishes_each_moved_head_signed_once(make_entries, published_heads):
    make_entries("agency:1", 3)
    make_entries("family", 2)
    with system_scope():
        assert integrity.checkpoint() == 2
        assert integrity.checkpoint() == 0
    make_entries("agency:1", 1)
    with system_scope():
        assert integrity.checkpoint() == 1
    (heads_file,) = published_heads.glob("heads-*.jsonl")
    lines = [json.loads(line) for line in heads_file.read_text().splitlines()]
    assert [(line["chain"], line["seq"]) for line in lines] == [("agency:1", 3), ("family", 2), ("agency:1", 4)]
    assert lines[-1]["hash"] == entries_of("agency:1")[-1].hash
    heads, problems = signed_heads.read()
    assert problems == [] and len(heads) == 3
    assert (published_heads / signed_heads.PUBLIC_KEY_FILE).exists()
    reports = verify()
    assert all(r.ok for r in reports)
    assert {r.chain: r.published_checked for r in reports} == {"agency:1": 2, "family": 1}


def test_a_head_changed_in_the_published_file_does_not_verify(make_entries, published_heads):
    make_entries("agency:1", 2)
    with system_scope():
        integrity.checkpoint()
    (heads_file,) = published_heads.glob("heads-*.jsonl")
    line = json.loads(heads_file.read_text())
    line["seq"] = 1  # moved back to hide the last entry
    heads_file.write_text(json.dumps(line) + "\n")
    reports = verify()
    assert reports[0].chain == integrity.PUBLISHED and not reports[0].ok
    assert "does not verify with the public key" in reports[0].problem


def test_heads_signed_by_another_key_do_not_verify_against_the_pinned_key(
    make_entries, published_heads, settings, tmp_path
):
    make_entries("agency:1", 2)
    with system_scope():
        integrity.checkpoint()
    other = signed_heads.generate_key(tmp_path / "other.pem")
    assert other is not None
    settings.ACCESS_LOG_PUBLIC_KEY = str(tmp_path / "other.pem.pub")
    assert not verify()[0].ok


def test_the_command_makes_a_key_once_and_checkpoints(make_entries, settings, tmp_path):
    settings.ACCESS_LOG_HEADS_DIR = str(tmp_path / "heads")
    settings.ACCESS_LOG_SIGNING_KEY = str(tmp_path / "key.pem")
    make_entries("agency:1", 2)
    out = StringIO()
    call_command("checkpoint_access_log", "--new-key", stdout=out)
    assert "Checkpointed 1 chains" in out.getvalue()
    assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0  # only its owner reads it
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("checkpoint_access_log", "--new-key", stdout=StringIO())


def test_checkpoints_run_every_five_minutes():
    entry = celery_app.conf.beat_schedule["checkpoint-access-log"]
    assert entry["task"] == "portal.tasks.checkpoint_access_log"
    assert entry["schedule"] == signed_heads.CHECKPOINT_SECONDS == 300
