"""Serializers: pure functions from the page model to bytes (ALTO, PAGE-XML, METS with
MODS, text, article records, searchable PDF, IIIF manifest, the verified page cache) and
the readers that bring corrected ALTO and PAGE-XML back into the model.

Pure (lxml, no file system except what a caller passes in). May import `model`, `text`,
`errors` and `engines.base` (model provenance); never a stage, `pipeline` or above.
"""

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
