"""digitize: scanned Chinese newspaper pages to ALTO 4.4, METS, clean text and article records."""

__version__ = "0.1.0"
