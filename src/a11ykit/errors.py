"""The few exception types a11ykit raises.

Every error carries a stable ``code`` (searchable, testable) and the ``exit_code``
the CLI turns it into. The message is one line meant for a person.

This module owns the error types and their codes only; it must not import any other a11ykit
module (every module imports it).
"""

from __future__ import annotations


class A11yKitError(Exception):
    """Base of every a11ykit error."""

    exit_code = 2
    code = "A11Y000"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:  # one line, always
        return " ".join(super().__str__().split())


class InputError(A11yKitError):
    """Bad input from the user: a file, a language, an option."""

    code = "A11Y100"


class GlossaryError(InputError):
    """A glossary (or glossary override) file that cannot be read."""

    code = "A11Y200"


class EngineError(A11yKitError):
    """A translation engine is unknown, not installed, or failed."""

    code = "A11Y300"


class ModelPackageError(InputError):
    """An Argos model package that is refused (unsafe, corrupt, wrong pair)."""

    code = "A11Y400"


class SpeechError(A11yKitError):
    """Speech synthesis failed or produced something unusable."""

    code = "A11Y500"


class ViolationError(A11yKitError):
    """Glossary violations remain and ``--strict`` was asked for."""

    exit_code = 1
    code = "A11Y600"


class OutputError(A11yKitError):
    """An output cannot be written (a folder in the way, no space, no permission, a
    file changed or locked meanwhile); nothing of the build was written."""

    code = "A11Y700"


class MemoryStoreError(A11yKitError):
    """The translation memory cannot be used: A11Y901 not a memory (or a newer one),
    A11Y902 another process holds it too long, A11Y903 a TMX file that is refused."""

    code = "A11Y900"
