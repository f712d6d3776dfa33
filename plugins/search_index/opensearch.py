"""The OpenSearch description that lets browsers add the site as a search engine."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

OPENSEARCH_FILE = "opensearch.xml"


def render_opensearch(site_name: str, site_url: str) -> str:
    """Return opensearch.xml for a site whose search page is <site_url>/search."""
    base = site_url.rstrip("/")
    template = f"{base}/search?q={{searchTerms}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenSearchDescription xmlns="http://a9.com/-/spec/opensearch/1.1/">\n'
        f"  <ShortName>{escape(site_name[:16])}</ShortName>\n"
        f"  <Description>{escape(f'Search {site_name}')}</Description>\n"
        "  <InputEncoding>UTF-8</InputEncoding>\n"
        f'  <Url type="text/html" method="get" template={quoteattr(template)}/>\n'
        f'  <Url type="application/json" method="get" '
        f"template={quoteattr(f'{base}/api/search?q={{searchTerms}}')}/>\n"
        f'  <Url type="application/opensearchdescription+xml" rel="self" '
        f"template={quoteattr(f'{base}/opensearch.xml')}/>\n"
        "</OpenSearchDescription>\n"
    )
