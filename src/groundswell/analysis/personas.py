"""Personas: how a person takes part, from the balance of what they give and receive.

Enterprise-social-network analysts (SWOOP Analytics' behavioural personas) sort active people
by what they put in — posts that start a conversation, replies, reactions and mentions given
to others — against what they get back. groundswell's rules, each relative to the
organisation's own distribution rather than a fixed number:

- **observer** — takes little part: posts plus responses given below the organisation's
  25th percentile (everyone with none at all is an observer).
- **broadcaster** — posts at or above the median, but the responses they give and receive
  together number fewer than their posts: they talk at people, not with them.
- **catalyst** — of the responses they are part of, more than 65% are received: their posts
  and presence draw others in.
- **responder** — fewer than 35% received: they answer, react and acknowledge others.
- **engager** — between the two: they give and receive in balance.

References
----------
SWOOP Analytics (2016–2023). *Benchmarking reports* and "The five online collaboration
personas" (Engager, Catalyst, Responder, Broadcaster, Observer).
Cross, R., Rebele, R. and Grant, A. (2016). Collaborative overload. *Harvard Business
Review* 94(1) — on givers and receivers of collaboration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PERSONAS = ("engager", "catalyst", "responder", "broadcaster", "observer")


def personas(
    activity: pd.DataFrame, *, catalyst_share: float = 0.65, responder_share: float = 0.35
) -> pd.DataFrame:
    """The persona of each person from ``posts``, ``given`` and ``received`` counts.

    Returns the activity with two more columns: ``received_share`` (received / (given +
    received)) and ``persona``.
    """
    if not 0 < responder_share < catalyst_share < 1:
        raise ValueError(
            "The shares must satisfy 0 < responder_share < catalyst_share < 1; got "
            f"{responder_share!r} and {catalyst_share!r}"
        )
    a = activity[["posts", "given", "received"]].astype("float64")
    out = activity.copy()
    exchanged = a["given"] + a["received"]
    share = (a["received"] / exchanged).where(exchanged > 0)
    out["received_share"] = share
    put_in = a["posts"] + a["given"]
    active = put_in > 0
    low = float(np.percentile(put_in[active], 25)) if active.any() else 0.0
    median_posts = float(a.loc[active, "posts"].median()) if active.any() else 0.0
    persona = np.select(
        [
            ~active | (put_in < low),
            (a["posts"] >= max(median_posts, 1)) & (exchanged < a["posts"]),
            share > catalyst_share,
            share < responder_share,
        ],
        ["observer", "broadcaster", "catalyst", "responder"],
        default="engager",
    )
    out["persona"] = pd.Categorical(persona, categories=PERSONAS)
    return out
