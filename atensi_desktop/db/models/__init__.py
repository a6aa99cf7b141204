"""All mapped tables; importing this package registers them on Base.metadata."""

from atensi_desktop.db.models.assessment import Assessment, AssessmentSection
from atensi_desktop.db.models.audit import AuditEvent
from atensi_desktop.db.models.case import CaseStageChange, ClientCase
from atensi_desktop.db.models.casework import CaseNote, CaseTask, Referral, ReferralEvent
from atensi_desktop.db.models.client import Client
from atensi_desktop.db.models.consent import ClientConsent
from atensi_desktop.db.models.document import ClientDocument
from atensi_desktop.db.models.duplicate import DuplicateDecision
from atensi_desktop.db.models.household import Household
from atensi_desktop.db.models.intervention import InterventionActivity, InterventionGoal, InterventionPlan
from atensi_desktop.db.models.office import Office
from atensi_desktop.db.models.peer import SyncPeer
from atensi_desktop.db.models.purge import PurgedRegister, PurgeOrder
from atensi_desktop.db.models.report import ReportIssued
from atensi_desktop.db.models.service_log import Distribution, ServiceAttachment, ServiceEntry
from atensi_desktop.db.models.sync_conflict import SyncOpenConflict
from atensi_desktop.db.models.sync_log import SyncExportLog, SyncImportChange, SyncImportLog
from atensi_desktop.db.models.sync_meta import ChangeSet, Meta, Site, SyncState, Version, VersionVector
from atensi_desktop.db.models.user import User, UserCredential
from atensi_desktop.db.models.wilayah import Wilayah
from atensi_desktop.db.models.worker import Worker

SYNCED_MODELS = (Office, Worker, User, Household, Client, ClientCase, DuplicateDecision, ClientDocument,
                 Assessment, AssessmentSection, InterventionPlan, InterventionGoal, InterventionActivity,
                 CaseStageChange, Distribution, ServiceEntry, ServiceAttachment,
                 Referral, ReferralEvent, CaseNote, CaseTask, ReportIssued, ClientConsent, PurgeOrder)
SYNCED_BY_TABLE = {m.__tablename__: m for m in SYNCED_MODELS}
# registers that name a file in the blob store by its SHA-256 (the file travels with sync bundles)
BLOB_COLUMNS = {ClientDocument.__tablename__: "sha256", ServiceAttachment.__tablename__: "sha256"}

__all__ = [
    "Assessment",
    "AssessmentSection",
    "AuditEvent",
    "BLOB_COLUMNS",
    "CaseNote",
    "CaseStageChange",
    "CaseTask",
    "Distribution",
    "ServiceAttachment",
    "ServiceEntry",
    "InterventionActivity",
    "InterventionGoal",
    "InterventionPlan",
    "ChangeSet",
    "SYNCED_BY_TABLE",
    "SYNCED_MODELS",
    "Client",
    "ClientConsent",
    "ClientDocument",
    "DuplicateDecision",
    "ClientCase",
    "Household",
    "Meta",
    "Office",
    "PurgeOrder",
    "PurgedRegister",
    "Referral",
    "ReferralEvent",
    "ReportIssued",
    "Site",
    "SyncOpenConflict",
    "SyncExportLog",
    "SyncImportChange",
    "SyncImportLog",
    "SyncPeer",
    "SyncState",
    "User",
    "UserCredential",
    "Version",
    "VersionVector",
    "Wilayah",
    "Worker",
]
