"""Ready-made model fragments: the economics of call handling, and channel shift."""

from typing import Any

CALL_HANDLING: dict[str, Any] = {
    "key": "call_handling",
    "name": "Economics of call handling",
    "description": (
        "Contacts a year by channel, the share that is avoidable failure demand and the share of that removed, "
        "handling minutes and cost per minute give contacts removed, hours and FTE released, and capacity value."
    ),
    "model": {
        "nodes": [
            {"name": "phone_contacts", "kind": "assumption", "unit": "contacts a year", "value": 600000,
             "low": 550000, "high": 650000, "label": "Phone contacts a year", "source": "Telephony reports"},
            {"name": "face_to_face_contacts", "kind": "assumption", "unit": "contacts a year", "value": 80000,
             "low": 70000, "high": 90000, "label": "Face-to-face contacts a year", "source": "Reception counts"},
            {"name": "failure_demand_share", "kind": "assumption", "unit": "share", "value": 0.3, "low": 0.2,
             "high": 0.4, "distribution": "pert", "label": "Share of contact that is avoidable (failure demand)",
             "source": "Sample of contacts classified as value or failure demand"},
            {"name": "failure_removed_share", "kind": "assumption", "unit": "share", "value": 0.5, "low": 0.3,
             "high": 0.6, "label": "Share of failure demand the redesign removes"},
            {"name": "phone_minutes", "kind": "assumption", "unit": "minutes", "value": 6, "low": 5, "high": 8,
             "label": "Handling minutes per phone contact"},
            {"name": "face_to_face_minutes", "kind": "assumption", "unit": "minutes", "value": 12, "low": 9,
             "high": 15, "label": "Handling minutes per face-to-face contact"},
            {"name": "cost_per_minute", "kind": "assumption", "unit": "GBP", "value": 0.47, "low": 0.42,
             "high": 0.52, "label": "Fully loaded adviser cost per minute"},
            {"name": "productive_hours_per_fte", "kind": "assumption", "unit": "hours a year", "value": 1300,
             "label": "Productive hours per full-time adviser a year"},
            {"name": "contacts_removed", "kind": "derived", "unit": "contacts a year",
             "formula": "(phone_contacts + face_to_face_contacts) * failure_demand_share * failure_removed_share"},
            {"name": "hours_released", "kind": "derived", "unit": "hours a year",
             "formula": "failure_demand_share * failure_removed_share * (phone_contacts * phone_minutes"
                        " + face_to_face_contacts * face_to_face_minutes) / 60"},
            {"name": "fte_released", "kind": "derived", "unit": "FTE",
             "formula": "hours_released / productive_hours_per_fte"},
            {"name": "capacity_value", "kind": "derived", "unit": "GBP a year",
             "formula": "hours_released * 60 * cost_per_minute"},
            {"name": "crm_and_redesign", "kind": "enabler", "label": "CRM and service redesign"},
            {"name": "fix_failures_upstream", "kind": "change",
             "label": "Services fix the causes of avoidable contact"},
            {"name": "avoidable_contact_removed", "kind": "benefit", "label": "Avoidable contact removed"},
            {"name": "better_customer_experience", "kind": "objective", "label": "Better customer experience"},
        ],
        "links": [
            {"from": "crm_and_redesign", "to": "fix_failures_upstream"},
            {"from": "fix_failures_upstream", "to": "failure_removed_share"},
            {"from": "fix_failures_upstream", "to": "avoidable_contact_removed"},
            {"from": "capacity_value", "to": "avoidable_contact_removed"},
            {"from": "avoidable_contact_removed", "to": "better_customer_experience"},
        ],
    },
}  # fmt: skip

CHANNEL_SHIFT: dict[str, Any] = {
    "key": "channel_shift",
    "name": "Channel shift",
    "description": (
        "Transactions moved from face to face and from phone to the web, at each channel's cost per contact, "
        "give the saving."
    ),
    "model": {
        "nodes": [
            {"name": "face_to_face_transactions", "kind": "assumption", "unit": "transactions a year",
             "value": 80000, "low": 70000, "high": 90000},
            {"name": "phone_transactions", "kind": "assumption", "unit": "transactions a year", "value": 240000,
             "low": 220000, "high": 260000},
            {"name": "share_moved_from_face_to_face", "kind": "assumption", "unit": "share", "value": 0.5,
             "low": 0.3, "high": 0.6},
            {"name": "share_moved_from_phone", "kind": "assumption", "unit": "share", "value": 0.5, "low": 0.3,
             "high": 0.6, "distribution": "pert"},
            {"name": "cost_face_to_face", "kind": "assumption", "unit": "GBP", "value": 8.62,
             "source": "Published cost per contact: face to face GBP 8.62"},
            {"name": "cost_phone", "kind": "assumption", "unit": "GBP", "value": 2.83,
             "source": "Published cost per contact: phone GBP 2.83"},
            {"name": "cost_web", "kind": "assumption", "unit": "GBP", "value": 0.15,
             "source": "Published cost per contact: web GBP 0.15"},
            {"name": "moved_from_face_to_face", "kind": "derived", "unit": "transactions a year",
             "formula": "face_to_face_transactions * share_moved_from_face_to_face"},
            {"name": "moved_from_phone", "kind": "derived", "unit": "transactions a year",
             "formula": "phone_transactions * share_moved_from_phone"},
            {"name": "face_to_face_saving", "kind": "derived", "unit": "GBP a year",
             "formula": "moved_from_face_to_face * (cost_face_to_face - cost_web)"},
            {"name": "phone_saving", "kind": "derived", "unit": "GBP a year",
             "formula": "moved_from_phone * (cost_phone - cost_web)"},
            {"name": "channel_shift_saving", "kind": "derived", "unit": "GBP a year",
             "formula": "face_to_face_saving + phone_saving"},
            {"name": "online_services", "kind": "enabler", "label": "Online forms and accounts"},
            {"name": "residents_self_serve", "kind": "change", "label": "Residents self-serve on the web"},
            {"name": "cheaper_transactions", "kind": "benefit", "label": "Cheaper transactions"},
            {"name": "lower_cost_to_serve", "kind": "objective", "label": "Lower cost to serve"},
        ],
        "links": [
            {"from": "online_services", "to": "residents_self_serve"},
            {"from": "residents_self_serve", "to": "share_moved_from_phone"},
            {"from": "residents_self_serve", "to": "share_moved_from_face_to_face"},
            {"from": "channel_shift_saving", "to": "cheaper_transactions"},
            {"from": "cheaper_transactions", "to": "lower_cost_to_serve"},
        ],
    },
}  # fmt: skip

TEMPLATES: dict[str, dict[str, Any]] = {template["key"]: template for template in (CALL_HANDLING, CHANNEL_SHIFT)}
