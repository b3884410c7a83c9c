"""Signed heads of the access log, published outside the database (issue 16, item 2).

Each checkpoint signs every moved chain's head — (chain, seq, hash, the entry's time) —
with an Ed25519 key kept in a file (`ACCESS_LOG_SIGNING_KEY`) that only the process
running the checkpoint can read, and appends it as one JSON line to a file in
`ACCESS_LOG_HEADS_DIR` (`heads-YYYY-MM.jsonl`, opened O_APPEND; make the directory
append-only, or ship it to another machine, in production). The database roles can read
neither. `verify_access_log` then checks every chain against every published head, as a
Certificate Transparency monitor checks a log against the signed tree heads it holds
(RFC 9162): removing the tail of a chain, rewriting it consistently, or removing the
checkpoint events in the database no longer goes unseen. What is appended after the
newest published head is covered only by the hash chain: the checkpoint runs every
`CHECKPOINT_SECONDS`, which bounds that window.

The signed form is frozen like the chain's: sorted-key compact JSON of the line without
its `sig`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CHECKPOINT_SECONDS = 300
PUBLIC_KEY_FILE = "public-key.pem"
VERSION = 1


@dataclass(frozen=True)
class Head:
    chain: str
    seq: int
    hash: str
    entry_at: str  # the head entry's own time, ISO 8601 UTC
    signed_at: str
    source: str  # file:line, for reports


def heads_dir() -> Path | None:
    value = getattr(settings, "ACCESS_LOG_HEADS_DIR", "")
    return Path(value) if value else None


def enabled() -> bool:
    return heads_dir() is not None


def _fingerprint(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def generate_key(path: Path) -> Ed25519PrivateKey:
    """A new signing key in `path` (mode 0600, never overwritten) and its public half
    beside it (`<path>.pub`)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    Path(f"{path}.pub").write_bytes(_public_pem(key.public_key()))
    return key


def signing_key() -> Ed25519PrivateKey:
    """The key from ACCESS_LOG_SIGNING_KEY; in the embedded default (DEBUG) made on first use."""
    value = getattr(settings, "ACCESS_LOG_SIGNING_KEY", "")
    if not value:
        raise ImproperlyConfigured("ACCESS_LOG_SIGNING_KEY must name the checkpoint signing key file")
    path = Path(value)
    if not path.exists():
        if not settings.DEBUG:
            raise ImproperlyConfigured(
                f"{path} does not exist: make it with `manage.py checkpoint_access_log --new-key`"
            )
        return generate_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 private key")
    return key


def public_key() -> Ed25519PublicKey | None:
    """ACCESS_LOG_PUBLIC_KEY when set (pin it somewhere the log's operators cannot write),
    else the one published with the heads."""
    value = getattr(settings, "ACCESS_LOG_PUBLIC_KEY", "")
    directory = heads_dir()
    path = Path(value) if value else (directory / PUBLIC_KEY_FILE if directory else None)
    if path is None or not path.exists():
        return None
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ImproperlyConfigured(f"{path} is not an Ed25519 public key")
    return key


def _signed_form(line: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in line.items() if k != "sig"}, sort_keys=True, separators=(",", ":")).encode()


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def publish(heads: list[tuple[str, int, str, datetime]], *, now: datetime) -> int:
    """Sign and append (chain, seq, hash, entry time) heads; returns how many.

    Written and fsynced before the checkpoint events are committed: a head is never
    recorded in the database without being published."""
    directory = heads_dir()
    if directory is None or not heads:
        return 0
    key = signing_key()
    directory.mkdir(parents=True, exist_ok=True)
    public_path = directory / PUBLIC_KEY_FILE
    if not public_path.exists():
        fd = os.open(public_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_public_pem(key.public_key()))
    key_id = _fingerprint(key.public_key())
    lines = []
    for chain, seq, head_hash, entry_at in heads:
        line: dict[str, Any] = {
            "v": VERSION,
            "chain": chain,
            "seq": seq,
            "hash": head_hash,
            "entry_at": _utc(entry_at),
            "signed_at": _utc(now),
            "key": key_id,
        }
        line["sig"] = base64.b64encode(key.sign(_signed_form(line))).decode()
        lines.append(json.dumps(line, sort_keys=True, separators=(",", ":")) + "\n")
    path = directory / f"heads-{now.astimezone(UTC):%Y-%m}.jsonl"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(lines).encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return len(lines)


def read() -> tuple[list[Head], list[str]]:
    """Every published head with a good signature, and the problems found (a line that
    does not parse or verify, heads with no public key to check them)."""
    directory = heads_dir()
    if directory is None or not directory.exists():
        return [], []
    files = sorted(directory.glob("heads-*.jsonl"))
    if not files:
        return [], []
    key = public_key()
    if key is None:
        return [], [f"published heads in {directory} but no public key to check them"]
    heads: list[Head] = []
    problems: list[str] = []
    for path in files:
        for number, text in enumerate(path.read_text().splitlines(), start=1):
            source = f"{path.name}:{number}"
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                key.verify(base64.b64decode(line["sig"]), _signed_form(line))
                heads.append(
                    Head(
                        str(line["chain"]),
                        int(line["seq"]),
                        str(line["hash"]),
                        str(line["entry_at"]),
                        str(line["signed_at"]),
                        source,
                    )
                )
            except (ValueError, KeyError, TypeError, InvalidSignature):
                problems.append(f"published head {source} does not verify with the public key")
    return heads, problems


def entry_time(head: Head) -> datetime:
    return datetime.fromisoformat(head.entry_at.replace("Z", "+00:00"))
