"""The dev server: watcher, HTTP, live reload and the error overlay, over the same build path."""
