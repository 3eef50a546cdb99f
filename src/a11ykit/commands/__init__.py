"""Sub-commands of the CLI, one module each (see :mod:`a11ykit.cli`)."""
