"""Models of the letters app."""

from .ledger import *  # noqa: F403
