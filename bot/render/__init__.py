"""Answer -> text for each surface, all from one shared reading of the Answer (layout.py):
`plain`, `slack`, `telegram` and `html`, each imported alone (`resbot ask` needs one)."""
