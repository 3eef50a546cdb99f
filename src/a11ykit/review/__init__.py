"""What translators review: the checks run on every build (:mod:`.checks`), the translators'
PO catalog (:mod:`.catalog`) and the checks of PO files (:mod:`.po_check`). Writes no file:
the build hands the catalog's bytes to the output layout."""
