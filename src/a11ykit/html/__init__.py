"""The HTML layer: decoding, parsing and segmenting (parse.py), rendering (render.py).

This is the only place that reads HTML with BeautifulSoup.
"""
