"""The HTML layer: bytes to text (decode.py), text to a tree (parse.py), the tree to units
(segment.py), translations back into the tree (render.py), the page around them (localize.py),
and the narration's side of the page (reading.py, player.py, with template.py for generated HTML).

This is the only place that reads HTML with BeautifulSoup. It must not translate, check or
write files: it turns bytes into a tree and units, and units back into a page.
"""
