"""Rules of Chinese print that need no pixels: line cleaning and joining, scripts
(simplified/traditional), numerals, jump markers, printed page labels (`folio`, the one
label parser), corrections of recognized text (`correct`) and the issue's own word
statistics that judge a jump's break (`joins`).

With `model` and `errors` this is the base of the package: it may import only those two
(and `model` reaches back for `textutil.join_lines`, the one sanctioned cycle).
"""
