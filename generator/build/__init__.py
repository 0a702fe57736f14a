"""The one build path: plan, fingerprint, skip what is current, render the rest over workers."""
