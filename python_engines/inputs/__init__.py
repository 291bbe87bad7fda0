"""Raw files in: which files a run reads (``discover``) and each one checked before any engine
reads it (``checks``)."""
