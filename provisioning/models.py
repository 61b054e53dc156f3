"""Imports every model so that metadata (Alembic, the schema test) sees the whole schema."""

from provisioning.accounts.models import Account, ApiToken, AuthFailure, Role
from provisioning.contacts.models import ContactGroup
from provisioning.devices.models import Device, FunctionKey, KeyKind, PhonebookMode
from provisioning.discovery.models import PnpLease
from provisioning.employees.models import Employee
from provisioning.jobs.models import Job
from provisioning.journal.models import JournalEntry
from provisioning.numbers.models import NumberStatus, PhoneNumber
from provisioning.phones.models import DeviceFetch, DeviceStatus, RateCounter, UnrecognisedDevice
from provisioning.portal.models import PasswordReset, WorkProgress
from provisioning.sip.models import SipAccount
from provisioning.sites.models import Network, Site
from provisioning.tenants.models import Tenant

__all__ = [
    "DeviceFetch", "DeviceStatus", "RateCounter", "UnrecognisedDevice",
    "Account", "ApiToken", "AuthFailure", "ContactGroup", "Device", "Employee", "FunctionKey",
    "Job", "JournalEntry", "KeyKind", "Network", "NumberStatus", "PhoneNumber", "PhonebookMode",
    "PasswordReset", "PnpLease", "Role", "SipAccount", "Site", "Tenant", "WorkProgress",
]
