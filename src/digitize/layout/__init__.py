"""Geometry and image analysis shared by the layout stages: page cues (rules, frames,
photos, reverse video), lines the detector drew across a rule or gutter cut apart
(`crossings`), line grouping, type-size measures and the em (`metrics`), column image
analysis (`column`), article modules (`grouping`, with its geometric cues in
`module_cues`), region edits shared by the typing stages (`edits`) and the whole-page
layout of vertical pages (`vertical`, reading order in `vertical_order`).

Pure functions over the page model and numpy images. May import `model` and `text`;
never a stage, an engine, a serializer or anything above them.
"""
