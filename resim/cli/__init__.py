"""The command line (``resim``, ``python -m resim.cli``) and the docs it generates. Imports any stage."""

from resim.cli.main import main

__all__ = ["main"]
