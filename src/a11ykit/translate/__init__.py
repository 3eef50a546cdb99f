"""Machine translation of an article's units: the :class:`~.translator.Translator` (lock, call the
engine, unlock, repair, verify), the engines (:mod:`.engines`) and the Argos model packages
(:mod:`.packages`). Knows nothing of HTML pages, catalogs or output files."""
