"""What the crawler needs below the catalogue: addresses (``urls``), the
rules of a site (``robots``), where to start (``seeds``: sitemaps and feeds),
what a page says of itself and links to (``page``), and which addresses are
left to visit (``frontier``). Fetching is ``corpus.fetch``; the run that
writes snapshots and indexes them is ``staff.crawl``."""
