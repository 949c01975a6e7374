"""`dlenv check PATH...`: a learner's own notebooks read against a matrix row before they run.

`cells` reads .ipynb and .py files into cells, `code` splits a cell into Python and shell lines, and each
rule module (imports, pip_lines, paths, drift, secrets) turns cells into `Finding`s; `report` gives the
verdict and the JSON of DESIGN.md ("Notebook check"); `execute` runs a notebook with nbclient.
No framework is imported: checking a notebook reads text.
"""
