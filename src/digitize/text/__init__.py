"""Rules of Chinese print that need no pixels: line cleaning and joining, scripts
(simplified/traditional), numerals, jump markers, printed page labels (`folio`, the one
label parser) and corrections of recognized text (`correct`).

With `model` and `errors` this is the base of the package: it may import only those two
(and `model` reaches back for `textutil.join_lines`, the one sanctioned cycle).
"""
