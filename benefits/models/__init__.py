"""The model families: XBase, XCreate, XUpdate, X (the table) and XRead for each entity."""

from benefits.models.appraisal import AppSetting
from benefits.models.audit import AuditEvent, AuditEventRead
from benefits.models.baseline import ApprovedBaseline, BaselineVersion, RebaselineRequest
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
    RedeploymentConfirmation,
)
from benefits.models.cause_model import CauseModel, ModelDraft, ModelLink, ModelNode
from benefits.models.cost import CostAmount, CostLine
from benefits.models.finance import Budget, CostCentre, LedgerEntry
from benefits.models.initiative import Initiative, InitiativeCreate, InitiativeRead, InitiativeUpdate
from benefits.models.measure import Measure, MeasureBenefit, Observation
from benefits.models.notice import NoticeSent
from benefits.models.person import (
    ApiToken,
    ApiTokenCreate,
    ApiTokenCreated,
    ApiTokenRead,
    InitiativeMember,
    LoginAttempt,
    MembersUpdate,
    Person,
    PersonCreate,
    PersonRead,
    PersonUpdate,
    Role,
    SignIn,
)
from benefits.models.review import Review

__all__ = [
    "ApiToken",
    "ApiTokenCreate",
    "ApiTokenCreated",
    "ApiTokenRead",
    "AppSetting",
    "ApprovedBaseline",
    "AuditEvent",
    "AuditEventRead",
    "BaselineVersion",
    "Benefit",
    "BenefitCreate",
    "BenefitRead",
    "BenefitUpdate",
    "Budget",
    "CashConfirmation",
    "CashConfirmationCreate",
    "CashConfirmationRead",
    "CauseModel",
    "CostAmount",
    "CostCentre",
    "CostLine",
    "GateRead",
    "Initiative",
    "InitiativeCreate",
    "InitiativeMember",
    "InitiativeRead",
    "InitiativeUpdate",
    "LedgerEntry",
    "LoginAttempt",
    "Measure",
    "MeasureBenefit",
    "MembersUpdate",
    "ModelDraft",
    "ModelLink",
    "ModelNode",
    "NoticeSent",
    "Observation",
    "Person",
    "PersonCreate",
    "PersonRead",
    "PersonUpdate",
    "ProfileEntry",
    "ProfileEntryIn",
    "ProfileEntryRead",
    "RebaselineRequest",
    "RedeploymentConfirmation",
    "Review",
    "Role",
    "SignIn",
]
