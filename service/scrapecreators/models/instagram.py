"""Models of the Instagram profile response and its related profiles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from service.scrapecreators.models.base import (
    Count,
    Envelope,
    Flag,
    Model,
    Text,
    none_to,
)

# --- Instagram profile -----------------------------------------------------------------------


class InstagramCount(Model):
    count: Count = 0


class InstagramRelated(Model):
    """A related-profile node: no follower count and no bio."""

    id: Text = ""
    username: Text = ""
    full_name: Text = ""
    is_private: Flag = False
    is_verified: Flag = False
    profile_pic_url: Text = ""


class InstagramRelatedEdge(Model):
    node: InstagramRelated


class InstagramRelatedEdges(Model):
    edges: Annotated[list[InstagramRelatedEdge], none_to(list)] = Field(default_factory=list)


class InstagramUser(Model):
    id: Text = ""
    username: Text = ""
    full_name: Text = ""
    biography: Text = ""
    external_url: Text = ""
    edge_followed_by: InstagramCount = Field(default_factory=InstagramCount)
    is_private: Flag = False
    is_verified: Flag = False
    profile_pic_url: Text = ""
    profile_pic_url_hd: Text = ""
    edge_related_profiles: InstagramRelatedEdges | None = None


class InstagramData(Model):
    user: InstagramUser | None = None


class InstagramProfile(Envelope):
    """`GET /v1/instagram/profile`: the user and its related profiles, which may be absent."""

    data: InstagramData | None = None

    @property
    def user(self) -> InstagramUser | None:
        return self.data.user if self.data is not None else None

    def related(self) -> list[InstagramRelated]:
        user = self.user
        if user is None or user.edge_related_profiles is None:
            return []
        return [edge.node for edge in user.edge_related_profiles.edges]
