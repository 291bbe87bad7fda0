"""The shape of the traffic: event mix, tiers, devices, countries, daily and weekly rhythm.

Every number that makes the data "realistic" lives here, in one place.
"""

from __future__ import annotations

import numpy as np

# Event mix (percent) — the share of each event type over all events.
EVENT_TYPES = np.array(
    [
        "page_view",
        "product_view",
        "search",
        "add_to_cart",
        "purchase",
        "remove_from_cart",
        "checkout_start",
        "login",
        "logout",
    ]
)
EVENT_SHARES = np.array([35, 25, 15, 10, 5, 4, 3, 2, 1], dtype=np.float64) / 100
# Funnel position of each type: sorting a session's events by position (plus noise) gives a
# plausible order — log in early, browse, add to cart, check out, buy, log out last.
FUNNEL_POSITION = np.array([1.0, 1.6, 1.3, 2.6, 4.6, 3.0, 4.0, 0.0, 6.0])
FUNNEL_NOISE = 2.2

TIERS = np.array(["bronze", "silver", "gold", "platinum"])
TIER_SHARES = np.array([0.60, 0.25, 0.12, 0.03])
TIER_ACTIVITY = np.array([1.0, 1.3, 1.6, 1.9])

DEVICES = np.array(["mobile", "desktop", "tablet"])
DEVICE_SHARES = np.array([0.55, 0.38, 0.07])
OTHER_DEVICE_SESSION_RATE = 0.10  # a session on a device other than the user's usual one
IP_SWITCH_RATE = {"mobile": 0.35, "desktop": 0.04, "tablet": 0.10}  # new IP for a session

# Home countries of the shop's users: (code, share, UTC offset in hours of the main time zone).
COUNTRIES = [
    ("US", 28.0, -5),
    ("GB", 8.0, 0),
    ("DE", 8.0, 1),
    ("FR", 6.0, 1),
    ("IN", 5.0, 5),
    ("CA", 4.0, -5),
    ("BR", 4.0, -3),
    ("JP", 4.0, 9),
    ("NL", 3.0, 1),
    ("ES", 3.0, 1),
    ("IT", 3.0, 1),
    ("AU", 2.5, 10),
    ("MX", 2.5, -6),
    ("PL", 2.0, 1),
    ("SE", 1.5, 1),
    ("KR", 1.5, 9),
    ("BE", 1.2, 1),
    ("CH", 1.2, 1),
    ("AT", 1.0, 1),
    ("IE", 1.0, 0),
    ("DK", 1.0, 1),
    ("NO", 1.0, 1),
    ("FI", 0.8, 2),
    ("PT", 0.8, 0),
    ("SG", 0.8, 8),
    ("ZA", 0.8, 2),
    ("NZ", 0.6, 12),
    ("AR", 0.6, -3),
    ("TR", 0.6, 3),
    ("CZ", 0.6, 1),
]
SOURCE_COUNTRY_WRONG_RATE = 0.05  # the feed's own country column: sometimes wrong
SOURCE_COUNTRY_BLANK_RATE = 0.04  # ... and sometimes missing
SOURCE_SESSION_BLANK_RATE = 0.03  # the feed's own session id: sometimes missing

# Local-time hour-of-day profile (relative): quiet nights, lunch bump, evening peak.
HOUR_PROFILE = np.array(
    [
        3,
        2,
        1.2,
        0.8,
        0.7,
        0.9,
        1.8,
        3.5,
        5,
        5.5,
        5.8,
        6.2,
        6.8,
        6.4,
        6,
        6,
        6.3,
        7,
        8,
        9.2,
        9.6,
        8.8,
        7,
        4.8,
    ]
)
# Monday .. Sunday: the shop sells more at the weekend.
WEEKDAY_PROFILE = np.array([1.0, 0.96, 0.97, 1.0, 1.06, 1.22, 1.28])

# Session shape.
SESSION_EVENTS_MEDIAN = 6.0  # lognormal number of events per session
SESSION_EVENTS_SIGMA = 0.8
SESSION_EVENTS_MAX = 120
GAP_MEDIAN_SECONDS = 40.0  # lognormal gap between two events of a session
GAP_SIGMA = 1.1
GAP_MAX_SECONDS = 25 * 60  # inside a session: always under the 30-minute break
EVENTS_PER_USER = 50  # user pool size = rows / this: users come back in several sessions
USER_PROPENSITY_SIGMA = 0.7  # spread of activity between users of the same tier

LATE_ARRIVAL_RATE = 0.002  # events delivered in the next day's file (not dirty: kept)
