"""Text without a page: tagged text (:mod:`.tagged`), where sentences end (:mod:`.sentences`) and
putting inline tags back around translated words (:mod:`.realign`). Knows no HTML tree, no
glossary and no engine."""
