"""What search engines and social networks read from a page: Open Graph, Twitter card, JSON-LD.

Pure data shaping (SPEC section 5); the default ``base.html`` only prints what these return, and a
site's own layouts can call the same functions (registered in ``templates.make_environment``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable, NamedTuple

from generator.content.config import SiteConfig
from generator.model.catalogue import AuthorLink, Entry, ImageView
from generator.model.plan import PageMeta

log = logging.getLogger(__name__)


class MetaTag(NamedTuple):
    """``<meta {attribute}="{key}" content="{content}">``; Open Graph uses ``property``, Twitter ``name``.

    A named tuple rather than a dataclass: ``base.html`` unpacks each tag in its loop instead of
    looking up three attributes, and a page has about 16 of them (issue 5).
    """

    attribute: str
    key: str
    content: str


def absolute(config: SiteConfig, url: str) -> str:
    """Return ``url`` absolute: URLs with a scheme pass through, site-absolute paths get the origin."""
    if "://" in url:
        return url
    return config.absolute_url(url if url.startswith("/") else config.base_path + url)


def og_locale(language: str) -> str:
    """Return the Open Graph locale for a BCP 47 tag: ``en-AU`` -> ``en_AU``, ``en`` -> ``en``."""
    parts = language.replace("_", "-").split("-")
    regions = [p for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())]
    return f"{parts[0].lower()}_{regions[-1].upper()}" if regions else parts[0].lower()


def social_tags(config: SiteConfig, page: PageMeta, article: Entry | None = None) -> tuple[MetaTag, ...]:
    """Return the Open Graph and Twitter card tags of a page, with absolute URLs."""
    og = [("og:site_name", config.title), ("og:locale", og_locale(config.language)),
          ("og:type", "article" if article else "website"), ("og:title", _headline(page, article)),
          ("og:description", page.description), ("og:url", page.canonical)]
    image = None if article is None or article.image is None else absolute(config, shared_image(article.image))
    if article is not None:
        og.append(("article:published_time", article.date_iso))
        og.append(("article:modified_time", article.modified_iso or article.updated_iso or article.date_iso))
        og.extend(("article:tag", topic.name) for topic in article.topics)
    if image is not None and article is not None and article.image is not None:
        og.append(("og:image", image))
        social = article.image.social
        if social is not None:  # SPEC section 9: the 1200 x 630 crop, with its size
            og.extend([("og:image:type", "image/jpeg"), ("og:image:width", str(social.width)),
                       ("og:image:height", str(social.height))])
        og.append(("og:image:alt", article.image.alt))
    twitter = [("twitter:card", "summary_large_image" if image else "summary"),
               ("twitter:title", _headline(page, article)), ("twitter:description", page.description)]
    if image is not None and article is not None and article.image is not None:
        twitter.extend([("twitter:image", image), ("twitter:image:alt", article.image.alt)])
    return tuple([MetaTag("property", k, v) for k, v in og] + [MetaTag("name", k, v) for k, v in twitter])


def shared_image(image: ImageView) -> str:
    """Return the URL of the picture link previews show: the social crop, else the image itself."""
    return image.social.url if image.social is not None else image.url


def _article_images(image: ImageView) -> list[str]:
    # Search engines take the widest rendition and the 1.91:1 crop; the original may be a camera's
    # 10 MB file, which nothing should be pointed at.
    widest = [v.url for v in image.picture.variants if v.format == image.picture.format][-1:] \
        if image.picture is not None and image.picture.variants else [image.url]
    return widest + ([image.social.url] if image.social is not None else [])


def _headline(page: PageMeta, article: Entry | None) -> str:
    # Shared cards show the headline alone; the site name travels in og:site_name.
    return article.title if article is not None else page.title


def news_article(config: SiteConfig, page: PageMeta, article: Entry,
                 plain_text: Callable[[str], str] = str) -> dict[str, Any]:
    """Return the schema.org ``NewsArticle`` of an article page, for ``json_script``.

    ``plain_text`` turns a correction's inline Markdown into the plain text JSON-LD carries.
    """
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": page.description,
        "datePublished": article.date_iso,
        # SPEC section 11: the latest of `updated` and every correction and update.
        "dateModified": article.modified_iso or article.updated_iso or article.date_iso,
        "url": page.canonical,
        "mainEntityOfPage": {"@type": "WebPage", "@id": page.canonical},
        "inLanguage": config.language,
        "publisher": publisher(config),
    }
    if article.author_links:
        data["author"] = [_person(config, link) for link in article.author_links]
    elif article.source_link is not None:
        data["author"] = {"@type": "Organization", "name": article.source_link.name,
                          "url": absolute(config, article.source_link.url)}
    else:
        data["author"] = {"@type": "Organization", "name": config.title, "url": config.base_url}
    if article.image is not None:
        data["image"] = [absolute(config, url) for url in dict.fromkeys(_article_images(article.image))]
    if article.topics:
        data["articleSection"] = article.topics[0].name
        data["keywords"] = [topic.name for topic in article.topics]
    if article.original_url:
        data["isBasedOn"] = article.original_url
    if article.corrections:
        data["correction"] = [{"@type": "CorrectionComment", "datePublished": notice.date_iso,
                               "text": plain_text(notice.text)} for notice in article.corrections]
    return data


def _person(config: SiteConfig, link: AuthorLink) -> dict[str, Any]:
    """Return a byline's author as a schema.org ``Person``: the author page, and the profile's own pages."""
    person: dict[str, Any] = {"@type": "Person", "name": link.name, "url": absolute(config, link.url)}
    if link.same_as:
        person["sameAs"] = list(link.same_as)
    return person


def publisher(config: SiteConfig) -> dict[str, Any]:
    """Return the site as a schema.org ``Organization`` with its logo."""
    return {"@type": "Organization", "name": config.title, "url": config.base_url,
            "logo": {"@type": "ImageObject", "url": absolute(config, config.logo)}}
