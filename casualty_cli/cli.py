"""The ``tally`` command line (placeholder until the commands land)."""

import click

from casualty_cli import __version__


@click.group()
@click.version_option(__version__, prog_name="tally")
def main() -> None:
    """Reconcile competing casualty reports."""
