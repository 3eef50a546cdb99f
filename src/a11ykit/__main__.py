from a11ykit.cli import run

run()
