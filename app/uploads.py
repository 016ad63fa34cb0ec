"""Private uploaded files: stored outside the web root under a random name, found again by it."""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app


@dataclass(frozen=True)
class StoredFile:
    """Where an upload went and what it was."""

    stored_name: str
    size: int
    sha256: str


def store_private_file(data: bytes, suffix: str = ".pdf") -> StoredFile:
    """Write the bytes under UPLOAD_DIR with a random name and return how to find them.

    Written before the caller's transaction commits: a rollback leaves an unreferenced file,
    never a row pointing at a missing one.
    """
    folder = Path(current_app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = f"{secrets.token_hex(16)}{suffix}"
    (folder / stored_name).write_bytes(data)
    return StoredFile(
        stored_name=stored_name, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def private_file_path(stored_name: str) -> Path:
    """Return where a stored upload's bytes are."""
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name
