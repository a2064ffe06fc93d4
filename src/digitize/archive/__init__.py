"""The archivist's tools over an output folder: `rebuild` (regenerate everything from
corrected ALTO or PAGE-XML, through `pipeline.finish_issue`), `validate`, the search
index and exports (`search`, `documents`), the proof-reading page (`review`) and their
command line (`cli`).

Nothing read from an output folder is trusted (paths stay inside the issue folder, XML
is parsed without entities or network, records are type-checked). May import anything
below it (`batch` for locks and the store, `pipeline`, `serialize`, `stages.load`,
`text`, `model`, `errors`); only `cli` imports it.
"""
