from casualty_cli.cli import run

run()
