"""What translators review: the checks run on every build (:mod:`.checks`), the translators'
PO catalog (:mod:`.catalog`), the checks of PO files (:mod:`.po_check`) and the side-by-side
review page (:mod:`.page`). Writes no file: the build hands the catalog's bytes and the page's
HTML to the output layout."""
