"""Private uploaded files: stored outside the web root under a random name, found again by it."""

import hashlib
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.errors import ValidationError

PDF_MAGIC = b"%PDF-"


def is_pdf(data: bytes) -> bool:
    """Tell whether the bytes are a PDF: the header at the start and the end-of-file mark."""
    return data.startswith(PDF_MAGIC) and b"%%EOF" in data[-2048:]


def check_pdf(data: bytes, *, field: str = "attachment") -> None:
    """Refuse an empty file, one over the size limit, or one that is not a PDF whatever its
    name (ValidationError on `field`)."""
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    if not data:
        raise ValidationError("The file is empty.", field=field)
    if len(data) > limit:
        raise ValidationError(
            f"The file is {len(data) / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.0f} MB.",
            field=field,
        )
    if not is_pdf(data):
        raise ValidationError(
            "This file is not a PDF (whatever its name says). Export your document as PDF.",
            field=field,
        )


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
