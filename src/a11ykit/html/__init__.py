"""The HTML layer: decoding, parsing and segmenting (parse.py), rendering (render.py).

This is the only place that reads HTML with BeautifulSoup.

It must not translate, check or write files: it turns bytes into a tree and units, and units
back into a page.
"""
