"""dlenv: deep-learning lessons that run the same on a laptop, in Docker and on cloud notebooks.

Importing dlenv is cheap and imports no framework (torch, tensorflow, transformers) and none of the
CLI's libraries: notebooks import it before they know what is installed.
"""

__version__ = "0.1.0"
