"""Running many pages: the batch runner (discovery, resume, manifest), the worker pool,
the Dask driver, the output store (atomic writes, locks, the verified page cache) and
progress reporting.

Calls `pipeline` for every page and for each issue's link → write → report half; may
import `pipeline`, `serialize`, `stages.load` (discovery), `engines`, `config`, `model`
and `errors`; never `archive` or `cli`.
"""
