"""Data files of the rules: the divisions gazetteer and the agency lexicon (see README.md)."""
