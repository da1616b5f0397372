"""Read a generated PDF the way a person and an archive would: its text and its metadata."""

from __future__ import annotations

import contextlib
import re
import subprocess
import zlib
from pathlib import Path


def text_of(pdf: bytes, tmp_path: Path) -> str:
    """The text of the PDF as ``pdftotext -layout`` extracts it (poppler-utils)."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return result.stdout


def xmp_metadata(pdf: bytes) -> str:
    """The XMP metadata packet (where PDF/A declares its part and conformance)."""
    for match in re.finditer(rb"stream\r?\n", pdf):
        start = match.end()
        chunk = pdf[start : pdf.find(b"endstream", start)]
        with contextlib.suppress(zlib.error):
            chunk = zlib.decompress(chunk)
        if b"<x:xmpmeta" in chunk:
            return chunk.decode("utf-8", errors="replace")
    return ""


def is_pdf_a_3b(pdf: bytes) -> bool:
    xmp = xmp_metadata(pdf)
    return 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
