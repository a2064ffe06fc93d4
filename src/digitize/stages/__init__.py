"""The page stages, one module each, run in the order `pipeline.PAGE_STAGES` lists:
load → deskew → detect → segment → recognize → classify → order, and the issue stage
link (with `modules`, its view of one page's articles); `decode` and `vertical_types` are
the load and classify stages' helpers.

Each stage has one entry function and is the only writer of the `Page` fields it owns
(the ownership table is in `model.py` and docs/ARCHITECTURE.md). Stages may import
`model`, `errors`, `text`, `layout` and the engine interface (`engines.base`); never
`serialize`, `pipeline`, `batch`, `archive` or `cli`, and never another stage's entry
point (shared geometry belongs in `layout`).
"""
