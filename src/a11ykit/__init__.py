"""a11ykit: make one news article readable by more people.

Translated pages under a locked glossary, narrated audio, translator review.
The library is usable without the CLI; see :mod:`a11ykit.pipeline` for the main job.
"""

__version__ = "0.1.0"
