"""Terminology: the locked glossary, translators' overrides and the TBX exchange.

Its modules: :mod:`.base` (the data), :mod:`.glossary` (the CSV and the one matcher),
:mod:`.overrides` (translators' decisions), :mod:`.tbx` and :mod:`.exchange` (TBX). Nothing here
knows pages, engines or output files of a build.
"""
