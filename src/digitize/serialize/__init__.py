"""Serializers: pure functions from the page model to ALTO, METS, text and records,
and the ALTO reader used to rebuild outputs from corrected ALTO."""

from digitize.serialize.alto import Processing, block_ids, to_alto
from digitize.serialize.alto_read import AltoError, read_alto
from digitize.serialize.mets import to_mets
from digitize.serialize.records import article_records
from digitize.serialize.text import issue_text, page_text

__all__ = [
    "AltoError",
    "Processing",
    "article_records",
    "block_ids",
    "issue_text",
    "page_text",
    "read_alto",
    "to_alto",
    "to_mets",
]
