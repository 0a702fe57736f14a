"""Markdown to HTML and Jinja2 templates to page bytes."""
