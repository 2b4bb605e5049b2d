"""tally: reconcile competing casualty reports into best estimates with ranges."""

__version__ = "0.1.0"
