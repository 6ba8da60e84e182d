"""Imports every model so `Base.metadata` is complete (Alembic, tests)."""

from hotline.agencies.models import Agency, RoutingRuleState
from hotline.audit.models import AuditEvent
from hotline.campaigns.models import Campaign, CampaignClick, CampaignDelivery, TestRecipient
from hotline.casework.models import TipCase, TipNote, TipRecipient
from hotline.channel_tokens.models import ChannelToken
from hotline.content.models import ContentItem, ContentPiece, ContentRevision, ContentVersion
from hotline.conversations.models import ConversationState, ProcessedUpdate
from hotline.db.base import Base
from hotline.notifications.models import Notification
from hotline.quiz.models import QuizResult
from hotline.subscribers.models import Subscriber
from hotline.tips.models import (
    Tip,
    TipAttachment,
    TipDraftPhoto,
    TipIdentifier,
    TipMessage,
    TipReplyHandle,
)
from hotline.users.models import StaffUser

__all__ = [
    "Agency",
    "AuditEvent",
    "Base",
    "Campaign",
    "CampaignClick",
    "CampaignDelivery",
    "ChannelToken",
    "ContentItem",
    "ContentPiece",
    "ContentRevision",
    "ContentVersion",
    "ConversationState",
    "Notification",
    "ProcessedUpdate",
    "QuizResult",
    "RoutingRuleState",
    "StaffUser",
    "Subscriber",
    "TestRecipient",
    "Tip",
    "TipAttachment",
    "TipCase",
    "TipDraftPhoto",
    "TipIdentifier",
    "TipMessage",
    "TipNote",
    "TipRecipient",
    "TipReplyHandle",
]
