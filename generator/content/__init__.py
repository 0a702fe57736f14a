"""Sources in: site.yaml, front matter, YAML with line marks, slugs, the scan of a site's files."""
