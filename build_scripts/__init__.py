"""Build-time helpers for the site: diagram, page blocks, bundling. None imports MkDocs except the hooks."""
