"""The output folder (staged write, swap, manifest, prune), the search index, the link check."""
