"""``a11ykit models``: list, install and remove Argos model packages.

The work is done by :mod:`a11ykit.translate.packages`; this module parses options and prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from a11ykit.errors import InputError
from a11ykit.progress import terminal_progress
from a11ykit.translate import packages as models


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models",
        help="list, install and remove Argos translation models",
        description="Manage the Argos model packages the argos engine translates with. "
        f"They live in --dir, else ${models.DIR_ENV}, else ~/.local/share/a11ykit/argos-packages. Packages "
        f"installed with Argos Translate itself (${models.ARGOS_DIR_ENV}, "
        "else ~/.local/share/argos-translate/packages) "
        "are used too, read-only, for a pair a11ykit's folder lacks.",
    )
    parser.set_defaults(func=lambda args: _usage(parser))
    actions = parser.add_subparsers(dest="action", metavar="ACTION", help="list, install or remove")

    listing = actions.add_parser(
        "list",
        help="show installed packages",
        description="Show installed packages, the one in use for a pair first: pair, version, where it comes "
        "from (a11ykit, or argos-translate: Argos Translate's own folder, read-only), path.",
    )
    _add_dir(listing)
    listing.set_defaults(func=run_list)

    install = actions.add_parser(
        "install",
        help="install a package from the Argos index or from a file",
        description="Install the package for a pair from the Argos package index "
        f"(${models.INDEX_ENV} overrides the index), or install a downloaded .argosmodel file.",
    )
    install.add_argument(
        "source", metavar="SOURCE|FILE", help="source language code (en), or a downloaded .argosmodel file"
    )
    install.add_argument("target", nargs="?", metavar="TARGET", help="target language code (es), with SOURCE")
    _add_dir(install)
    install.set_defaults(func=run_install)

    remove = actions.add_parser(
        "remove", help="remove an installed package", description="Remove the installed package for a pair."
    )
    remove.add_argument("source", help="source language code, e.g. en")
    remove.add_argument("target", help="target language code, e.g. es")
    _add_dir(remove)
    remove.set_defaults(func=run_remove)


def _add_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        metavar="DIR",
        help=f"package folder (default: ${models.DIR_ENV} or ~/.local/share/a11ykit/argos-packages)",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_list(args: argparse.Namespace) -> int:
    directory = models.package_dir(args.dir)
    packages = models.all_packages(directory)
    if not packages:
        print(f"no Argos packages in {directory} or {models.argos_package_dir()}; "
              "install one with 'a11ykit models install en es'")
        return 0
    packages.sort(key=lambda p: (p.source, p.target))  # stable: in use first within a pair
    for package in packages:
        print(f"{package.source}→{package.target}\t{package.version}\t{package.origin}\t{package.path}")
    return 0


def run_install(args: argparse.Namespace) -> int:
    directory = models.package_dir(args.dir)
    if args.target is not None:
        package = models.install_from_index(args.source, args.target, directory, progress=terminal_progress())
    elif Path(args.source).is_file():
        package = models.install_file(Path(args.source), directory)
    else:
        raise InputError(
            f"{args.source}: no such file; to install from the Argos index give both languages, "
            "e.g. 'a11ykit models install en es'"
        )
    print(f"installed {package.source}→{package.target} {package.version} in {package.path}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    package = models.remove_package(args.source, args.target, models.package_dir(args.dir))
    print(f"removed {package.source}→{package.target} {package.version} from {package.path.parent}")
    return 0
