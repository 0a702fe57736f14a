"""The catalogue (entries, topics) and the output plan, with feed, sitemap and SEO data as plain values."""
