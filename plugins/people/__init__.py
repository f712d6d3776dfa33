"""People and teams: profiles, team pages, "who knows about X", and recognition.

Reads content/authors/<slug>.md (Name, Role, Team, Email, Location, Expertise, Avatar,
Links, optional Left: YYYY-MM-DD, then a Markdown bio) and content/teams/<slug>.md (Name,
Champion, Contact, then a Markdown description). Bios and descriptions are sanitized like
posts. Posts name authors by slug; Pelican's Author objects get the profile's real name
(URLs stay people/<slug>/). Credits come from plugins.git_metadata (commit authors matched
to profiles by Email, Co-authored-by and Reviewed-by trailers).

Problems (`path:line: message [code]`): unknown-author, unknown-team, duplicate-email,
champion-not-member, unknown-champion, bad-date (errors); missing-name, missing-team,
bad-link, missing-avatar (warnings).

Settings:
    PEOPLE_NEW_VOICE_DAYS: a first post at most this old makes a "new voice" (default 120).
    PEOPLE_OUTDATED_DAYS: a post not updated for longer shows "may be outdated" (default
        730; 0 turns the note off).
    PEOPLE_OUTDATED_DAYS_BY_TAG: shorter limits for fast-moving tags, e.g. {"kubernetes": 365}.
    PEOPLE_EXPERTS_PER_TOPIC: people listed per topic on the experts page (default 3).
    PEOPLE_TOP_QUARTERS: quarters of "top contributors" on the people page (default 4).
    PEOPLE_TEAM_URL, PEOPLE_TEAM_SAVE_AS: team pages (default teams/{slug}/).
    PEOPLE_TEAM_FEED_ATOM: team Atom feeds (default feeds/teams/{slug}.atom.xml).
    PEOPLE_EXPERTS_URL, PEOPLE_EXPERTS_SAVE_AS: the experts page (default experts/).
    PEOPLE_NOW: pin "now" (ISO date) for reproducible builds; default the build time.
    Pelican's AUTHOR_URL, AUTHORS_URL, AUTHOR_FEED_ATOM, AUTHOR_FEED_ATOM_URL, RELATIVE_URLS,
    FEED_DOMAIN and SITEURL are read to build links.
    CACHE_CONTENT, CACHE_PATH (Pelican's): with content caching on, the HTML of bios and
        team descriptions is kept in CACHE_PATH/people-html.pickle for the next build.
    BUILD_SESSION (runtime, plugins._shared.session): in `blog preview` that memo stays
        in memory between builds.

Template variables (context): people (PersonPage by name), people_by_slug, people_groups
((TeamPage or None, people) by team), teams (TeamPage by name), teams_by_slug, new_voices
((PersonPage, first post date), newest first), top_contributors (QuarterView: label,
by_posts, by_contributions), experts (TopicExperts: topic, people), EXPERTS_URL,
people_sort ("team", "name" or "posts"); team.html gets `team`.
On each published post: people (PersonPage per author), contributors (Credit: name, slug,
roles, role_label), last_updated (datetime), outdated (Outdated: days, updated, ask) or None.
"""

from __future__ import annotations

from typing import Any

from pelican import signals

from plugins.people.generator import PeopleGenerator


def add_people_generator(pelican: Any) -> type[PeopleGenerator]:
    """Return the generator; Pelican runs plugin generators after articles and pages."""
    return PeopleGenerator


def register() -> None:
    """Connect the people generator."""
    signals.get_generators.connect(add_people_generator)
