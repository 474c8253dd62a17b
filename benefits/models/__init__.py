"""The model families: XBase, XCreate, XUpdate, X (the table) and XRead for each entity."""

from benefits.models.audit import AuditEvent, AuditEventRead
from benefits.models.benefit import (
    Benefit,
    BenefitCreate,
    BenefitRead,
    BenefitUpdate,
    CashConfirmation,
    CashConfirmationCreate,
    CashConfirmationRead,
    GateRead,
    ProfileEntry,
    ProfileEntryIn,
    ProfileEntryRead,
)
from benefits.models.initiative import Initiative, InitiativeCreate, InitiativeRead, InitiativeUpdate

__all__ = [
    "AuditEvent",
    "AuditEventRead",
    "Benefit",
    "BenefitCreate",
    "BenefitRead",
    "BenefitUpdate",
    "CashConfirmation",
    "CashConfirmationCreate",
    "CashConfirmationRead",
    "GateRead",
    "Initiative",
    "InitiativeCreate",
    "InitiativeRead",
    "InitiativeUpdate",
    "ProfileEntry",
    "ProfileEntryIn",
    "ProfileEntryRead",
]
