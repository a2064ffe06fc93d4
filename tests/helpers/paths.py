"""Where tests find the project, their data files and the offline schemas (located once)."""

from __future__ import annotations

import os
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
HELPERS = TESTS / "helpers"
DATA = TESTS / "data"
SCHEMA_DIR = Path(os.environ.get("DIGITIZE_SCHEMAS") or REPO.parent / "shared" / "schema")
"""The ALTO, METS, XLink and PAGE schemas: ``$DIGITIZE_SCHEMAS``, else ``../shared/schema``
beside the project root."""
