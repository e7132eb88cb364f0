"""The event log of a synthetic organisation: events drawn per person from Poisson rates on
an :class:`~groundswell.synth.chart._Org` (:class:`_Events`), and the tables it draws from.
Part of :mod:`groundswell.synth`; :func:`groundswell.synth.generate` is the way in.

Over 500 lines because :class:`_Events` is one class of ~490: every event kind shares the
org's arrays and the one rule that keeps each planted boundary, :meth:`_Events._forbidden`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from groundswell.synth.chart import (
    _DAY,
    _FIRST_NAMES,
    _HOUR,
    _LAST_NAMES,
    _MINUTE,
    _SECOND,
    BOT_EMAIL,
    _csr,
    _Org,
)

# fmt: off
__all__ = ["BROADCAST_MIN_TARGETS", "CHANNEL_KINDS", "EVENT_COLUMNS", "KINDS"]
EVENT_COLUMNS = ["event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind",
                 "thread", "parent", "is_bot", "is_question"]
KINDS = ("post", "reply", "mention", "reaction", "dm", "email", "meeting")
CHANNEL_KINDS = ("public", "private", "dm", "group_dm", "community", "list", "meeting")
BROADCAST_MIN_TARGETS = 26  # an email to more than 25 people is a broadcast, not a tie
_AFFINITY = [("Engineering", "Product"), ("Engineering", "Research"), ("Sales", "Marketing"),
             ("Sales", "Support"), ("Finance", "Legal"), ("HR", "Finance"),
             ("Operations", "Finance"), ("Product", "Marketing"), ("Support", "Engineering")]
_COPS = ["cop-data", "cop-ai", "cop-security", "cop-design", "cop-customer-voice",
         "cop-automation"]
_EXTERNAL_DOMAINS = ["acme-corp.com", "globex.io", "initech.net", "umbrella.co", "hooli.com",
                     "stark-industries.com", "wayne-enterprises.com", "tyrell.ai"]
# events per person per week, before each person's activity multiplier (mean 1)
_RATES = {"dm": 11.0, "email": 5.0, "meeting": 2.0, "mention": 2.5, "team_post": 3.5,
          "dept_post": 0.8, "cop_post": 1.5, "announce": 1.5}
# fmt: on

_K = {k: i for i, k in enumerate(KINDS)}
_CK = {k: i for i, k in enumerate(CHANNEL_KINDS)}


# "0000".."9999" as uint32 words of four ASCII digits (a view, so byte order does not matter)
_DIGITS = np.array([list(f"{k:04d}".encode()) for k in range(10_000)], np.uint8).view(np.uint32)


def _id_strings(idx: np.ndarray, width: int) -> pa.Array:
    """``'e'`` + zero-padded ``idx + 1`` ('' where idx < 0), built without Python loops."""
    ok = idx >= 0
    x, k = idx[ok] + 1, width // 4
    words = np.empty((len(x), k), dtype=np.uint32)
    for j in range(k):  # four digits at a time, from the right
        x, r = np.divmod(x, 10_000)
        words[:, k - 1 - j] = _DIGITS[r, 0]
    text = np.empty((len(words), width + 1), dtype=np.uint8)
    text[:, 0] = ord("e")
    text[:, 1:] = words.view(np.uint8).reshape(len(words), width)
    offsets = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(ok * (width + 1), out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(text)]
    return pa.Array.from_buffers(pa.large_string(), len(idx), buffers)


# --------------------------------------------------------------------------- events


class _Block(NamedTuple):
    """A batch of events; thread and parent are indices inside the batch (-1 for none)."""

    actor: np.ndarray  # account: employees 0..n-1, then the bot, then externals
    t: np.ndarray  # ns since the epoch, UTC
    kind: np.ndarray
    channel: np.ndarray
    ckind: np.ndarray
    thread: np.ndarray
    parent: np.ndarray
    is_q: np.ndarray
    tlen: np.ndarray  # number of targets of each event
    tflat: np.ndarray  # the targets, event after event


class _Events:
    """Turns an :class:`_Org` into an event log."""

    def __init__(self, org: _Org, rng: np.random.Generator) -> None:
        self.o, self.rng, n, D = org, rng, org.n, org.D
        first, last = _FIRST_NAMES.lower().split(), _LAST_NAMES.lower().split()
        ext = [
            f"{rng.choice(first)}.{rng.choice(last)}@{_EXTERNAL_DOMAINS[k % 8]}"
            for k in range(int(np.clip(3 + n // 2000, 4, 40)))
        ]
        self.ext = list(dict.fromkeys(ext))  # drop the rare duplicate
        self.emails = [*org.email, BOT_EMAIL, *self.ext]
        self.bot, pad = n, 1 + len(self.ext)

        def extend(values: np.ndarray, fill: object) -> np.ndarray:  # to all accounts
            return np.concatenate([values, np.full(pad, fill, dtype=values.dtype)])

        self.lo, self.hi = extend(org.lo, org.start), extend(org.hi, org.end)
        offset = np.array([hours for _, hours in org.locations])[org.loc] * _HOUR
        self.offset = extend(offset, 0)
        self.dept = extend(org.dept, D + 1)  # outsiders get a department of their own
        self.sil = extend(org.dept == org.siloed, False)
        self.closed, self.bunit = extend(org.closed, False), extend(org.bunit, False)
        self.leader = extend(org.leader, False)
        self.pair_of = np.full((D + 2, D + 2), -1)
        for p, (a, b) in enumerate(org.pairs):
            self.pair_of[a, b] = self.pair_of[b, a] = p
        self.pair_broker = np.array(org.brokers)
        # activity (scaled by the time employed) and how direct messages are aimed
        self.w = rng.lognormal(-0.125, 0.5, n) * (org.hi - org.lo) / (org.end - org.start)
        for who, factor in ((org.influencers, 3.0), (org.brokers, 2.5), ([org.bottleneck], 2.0)):
            self.w[who] = np.maximum(self.w[who], 1.0) * factor  # planted people are busy
        social = np.zeros(n, bool)
        social[[*org.influencers, *org.brokers, org.bottleneck]] = True
        self.p_team = np.where(social, 0.25, np.where(org.leader, 0.5, 0.6))
        self.p_mgr = np.where(social | org.leader, 0.05, 0.1)  # the rest: acquaintances
        self.open = ~org.closed
        self._contacts()
        self._communities()
        staff = np.flatnonzero(self.open & (org.dept < D))
        self.dept_ptr, self.dept_members = _csr(org.dept[staff], staff, D)
        # channel table: units, department channels, CoPs, fixed channels, department lists
        self.ch_dept = len(org.mgr_ids)
        self.ch_cop = self.ch_dept + D
        fixed = ["announcements", "eng-deploys", "dm", "group-dm", "email", "meeting", "all-staff"]
        self.ch = {name: self.ch_cop + len(self.cop_names) + i for i, name in enumerate(fixed)}
        self.ch_list = self.ch_cop + len(self.cop_names) + len(fixed)
        general = [f"{s.prefix}-general" for s in org.specs]
        lists = [f"{s.prefix}-all" for s in org.specs]
        self.channels = [*org.unit_channels, *general, *self.cop_names, *fixed, *lists]
        self.blocks: list[_Block] = []

    # ---- sampling primitives

    def _forbidden(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """True where an interaction between accounts u and v would break planted structure."""
        bad = (self.closed[u] | self.closed[v]) & ~(self.bunit[u] & self.bunit[v])
        with_ceo = self.leader[u] & self.leader[v] & ((u == 0) | (v == 0))
        bad |= (self.sil[u] != self.sil[v]) & ~with_ceo
        pair = self.pair_of[self.dept[u], self.dept[v]]
        broker = self.pair_broker[np.maximum(pair, 0)]
        return bad | ((pair >= 0) & (u != broker) & (v != broker))

    def _active(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (self.lo[who] <= t) & (t < self.hi[who])

    def _pick(self, ptr, members, group, exclude=None) -> np.ndarray:
        """A random member of each group, other than ``exclude``; -1 where there is none."""
        size = ptr[group + 1] - ptr[group]
        out = np.full(len(group), -1, dtype=np.int64)
        idx = np.flatnonzero(size > 0)
        for _ in range(5):
            r = members[ptr[group[idx]] + (self.rng.random(len(idx)) * size[idx]).astype(np.int64)]
            out[idx] = r
            if exclude is None:
                return out
            idx = idx[r == exclude[idx]]  # drew themselves: draw again
        out[idx] = -1
        return out

    def _unit_for(self, who: np.ndarray) -> np.ndarray:
        """The unit a person talks in: their own, or (managers, sometimes) their manager's."""
        up = self.o.is_mgr[who] & (self.rng.random(len(who)) < 0.35)
        return np.where(up, self.o.secondary[who], self.o.primary[who])

    def _targets(self, actor: np.ndarray) -> np.ndarray:
        """One partner per actor: a unit member, the manager or an acquaintance."""
        o, u = self.o, self.rng.random(len(actor))
        p_team, p_mgr = self.p_team[actor], self.p_mgr[actor]
        out = np.full(len(actor), -1, dtype=np.int64)
        mgr = (u >= p_team) & (u < p_team + p_mgr)
        out[mgr] = o.manager[actor[mgr]]
        con = u >= p_team + p_mgr
        out[con] = self._pick(self.c_ptr, self.c_idx, actor[con], actor[con])
        rest = np.flatnonzero(out < 0)  # the team, and the fallback for the others
        out[rest] = self._pick(o.unit_ptr, o.unit_members, self._unit_for(actor[rest]), actor[rest])
        return out

    def _times(self, who: np.ndarray) -> np.ndarray:
        """Times in each account's active window: mostly weekdays and local office hours."""
        rng, lo, hi, m = self.rng, self.lo[who], self.hi[who], len(who)
        day = lo // _DAY + (rng.random(m) * ((hi - lo) // _DAY)).astype(np.int64)
        weekday, move = (day + 3) % 7, rng.random(m) < 0.9  # 0 = Monday
        day = day - (move & (weekday == 5)) + (move & (weekday == 6))
        office = np.clip(rng.normal(13, 2.4, m), 7.5, 19.5)
        hour = np.where(rng.random(m) < 0.9, office, rng.uniform(0, 24, m))
        t = day * _DAY + (hour * 3600).astype(np.int64) * _SECOND - self.offset[who]
        return lo + (t - lo) % (hi - lo)

    def _counts(self, rate: float, who: np.ndarray | None = None) -> np.ndarray:
        """Actors of Poisson-many events per person (or per ``who``) over the period."""
        who = np.arange(self.o.n) if who is None else who
        return np.repeat(who, self.rng.poisson(rate * self.o.weeks * self.w[who]))

    # ---- the acquaintance graph and communities of practice

    def _contacts(self) -> None:
        o, rng, n, D = self.o, self.rng, self.o.n, self.o.D
        ok = self.open & (np.arange(n) > 0)
        mixing = ok & ~self.sil[:n]
        div_ptr, div_m = _csr(o.division[ok], np.flatnonzero(ok), n)
        dep_ptr, dep_m = _csr(o.dept[ok], np.flatnonzero(ok), D + 1)
        mix_ptr, mix_m = _csr(o.dept[mixing], np.flatnonzero(mixing), D + 1)
        src = np.repeat(np.arange(n), rng.poisson(3.0, n) * ok)  # inside the department
        near = rng.random(len(src)) < 0.55
        dst = np.where(
            near,
            self._pick(div_ptr, div_m, o.division[src]),
            self._pick(dep_ptr, dep_m, o.dept[src]),
        )
        k_x = rng.poisson(0.8, n) * (mixing & ~o.leader)  # across departments
        k_x[[0, o.bottleneck]] = 6, 10
        src2 = np.repeat(np.arange(n), k_x)
        W = rng.uniform(0.2, 1.0, (D + 1, D + 1))
        W = W + W.T
        names = [s.name for s in o.specs]
        for one, two in _AFFINITY:
            if one in names and two in names:
                W[names.index(one), names.index(two)] = W[names.index(two), names.index(one)] = 6.0
        np.fill_diagonal(W, 0)
        W[o.siloed], W[:, o.siloed] = 0, 0
        for i, j in o.pairs:
            W[i, j] = W[j, i] = 0
        cum = W.cumsum(1) / np.maximum(W.sum(1, keepdims=True), 1e-12)
        other = np.minimum((rng.random((len(src2), 1)) > cum[o.dept[src2]]).sum(1), D)
        srcs, dsts = [src, src2], [dst, self._pick(mix_ptr, mix_m, other)]
        k_b = int(np.clip(n // 25, 8, 40))  # brokers reach into the other department
        for b, (_, other) in zip(o.brokers, o.pairs, strict=True):
            srcs.append(np.full(k_b, b))
            dsts.append(self._pick(mix_ptr, mix_m, np.full(k_b, other)))
        everyone = np.flatnonzero(mixing)  # influencers know people everywhere
        k_i = int(np.clip(0.12 * n, min(40, n // 3), 300))
        for i in o.influencers:
            srcs.append(np.full(k_i, i))
            dsts.append(rng.choice(everyone, k_i, replace=False))
        u, v = np.concatenate(srcs), np.concatenate(dsts)
        keep = (u >= 0) & (v >= 0) & (u != v)
        keep[keep] = ~self._forbidden(u[keep], v[keep])
        u, v = u[keep], v[keep]
        key = np.unique(np.concatenate([u * n + v, v * n + u]))  # symmetric, no repeats
        self.c_ptr, self.c_idx = _csr(key // n, key % n, n)

    def _communities(self) -> None:
        o, rng, n = self.o, self.rng, self.o.n
        n_cop = 3 + (n >= 300) + (n >= 2000) + (n >= 20_000)
        self.cop_names, groups, members = _COPS[:n_cop], [], []
        for c in range(n_cop):  # 3-4 departments each, never both sides of a brokered pair
            chosen: list[int] = []
            for d in rng.permutation([d for d in range(o.D) if d != o.siloed]):
                if len(chosen) < 3 + c % 2 and (self.pair_of[d, chosen] < 0).all():
                    chosen.append(int(d))
            eligible = np.isin(o.dept, chosen) & self.open & ~o.leader
            join = eligible & (rng.random(n) < 0.12)
            for d in chosen:  # at least two members from every department involved
                join[rng.permutation(np.flatnonzero(eligible & (o.dept == d)))[:2]] = True
            join[o.influencers] = True
            groups.append(np.full(join.sum(), c))
            members.append(np.flatnonzero(join))
        self.cop_of, self.cop_members = np.concatenate(groups), np.concatenate(members)
        self.cop_ptr, self.cop_m = _csr(self.cop_of, self.cop_members, n_cop)

    # ---- event families

    def _add(self, actor, t, kind, channel, ckind, tlen, tflat, **extra) -> None:
        """Store a batch of events; ``extra`` may give ``thread``, ``parent`` and ``is_q``."""
        m = len(actor)
        none = np.full(m, -1, dtype=np.int32)
        block = _Block(
            actor=actor.astype(np.int32),
            t=t,
            kind=np.full(m, kind, dtype=np.int8),
            channel=np.broadcast_to(channel, m).astype(np.int32),
            ckind=np.broadcast_to(ckind, m).astype(np.int8),
            thread=extra.get("thread", none).astype(np.int32),
            parent=extra.get("parent", none).astype(np.int32),
            is_q=extra.get("is_q", np.zeros(m, bool)),
            tlen=tlen.astype(np.int32),
            tflat=tflat.astype(np.int32),
        )
        self.blocks.append(block)

    def _clean(self, actor, t, slots, tgt, check=True) -> tuple[np.ndarray, np.ndarray]:
        """Drop targets who are the actor, absent, forbidden or repeated: (tlen, tflat)."""
        ev = np.repeat(np.arange(len(actor)), slots)
        keep = (tgt >= 0) & (tgt != actor[ev])
        keep[keep] = self._active(tgt[keep], t[ev[keep]])
        if check:
            keep[keep] = ~self._forbidden(actor[ev[keep]], tgt[keep])
        ev, tgt = ev[keep], tgt[keep]
        dup = np.zeros(len(ev), bool)
        for j in range(1, int(slots.max(initial=1))):  # an event's targets are contiguous
            dup[j:] |= (ev[j:] == ev[:-j]) & (tgt[j:] == tgt[:-j])
        return np.bincount(ev[~dup], minlength=len(actor)), tgt[~dup]

    def _direct(self, kind: str, sizes: list[float], k_min: int = 1) -> None:
        """Messages aimed at people: dm, email, meeting or mention."""
        actor = self._counts(_RATES[kind])
        slots = k_min + self.rng.choice(len(sizes), len(actor), p=sizes)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, slots, self._targets(np.repeat(actor, slots)))
        ok = tlen >= k_min
        actor, t, tlen, tflat = actor[ok], t[ok], tlen[ok], tflat[np.repeat(ok, tlen)]
        thread, group = np.full(len(actor), -1), tlen > 1
        channel: np.ndarray | int  # one channel for every event, or one per event
        ckind: np.ndarray | int
        if kind == "mention":  # a top-level message in the team or the department channel
            in_dept = (self.rng.random(len(actor)) < 0.3) & self.open[actor] & (actor > 0)
            channel = np.where(in_dept, self.ch_dept + self.o.dept[actor], self._unit_for(actor))
            ckind, thread = np.where(in_dept, _CK["public"], _CK["private"]), np.arange(len(actor))
        elif kind == "meeting":
            channel, ckind = self.ch["meeting"], _CK["meeting"]
        else:
            channel = (
                self.ch["email"]
                if kind == "email"
                else np.where(group, self.ch["group-dm"], self.ch["dm"])
            )
            ckind = np.where(group, _CK["group_dm"], _CK["dm"])
        self._add(actor, t, _K[kind], channel, ckind, tlen, tflat, thread=thread)

    def _threads(
        self,
        actor,
        channel,
        ckind,
        ptr,
        members,
        group,
        *,
        q=0.35,
        replies=(2.5, 0.6),
        reacts=(1.2, 0.6),
        boost=None,
        favoured=None,
    ) -> None:
        """Channel posts, replies (to the poster) and reactions (to the reacted message's author).

        ``group`` indexes (``ptr``, ``members``), the people who may answer each post;
        ``boost`` multiplies the replies a person's posts get; ``favoured`` people give
        a large share of the answers to questions (30% in small communities).
        """
        rng, m = self.rng, len(actor)
        t = self._times(actor)
        is_q = rng.random(m) < q
        boost = np.ones(m) if boost is None else boost[actor]
        root = np.repeat(np.arange(m), rng.poisson(np.where(is_q, replies[0], replies[1]) * boost))
        who = self._pick(ptr, members, group[root], actor[root])
        if favoured is not None:  # a fixed few can answer only so much of a big community
            size = (ptr[group + 1] - ptr[group])[root]
            swap = is_q[root] & (rng.random(len(root)) < np.clip(30 / size, 0.05, 0.3))
            who[swap] = rng.choice(favoured, swap.sum())
        rt = t[root] + _MINUTE + rng.exponential(90 * _MINUTE, len(root)).astype(np.int64)
        ok = (who >= 0) & (who != actor[root]) & (rt < self.o.end)
        ok[ok] = self._active(who[ok], rt[ok]) & self._active(actor[root[ok]], rt[ok])
        ok[ok] = ~self._forbidden(who[ok], actor[root[ok]])
        root, who, rt = root[ok], who[ok], rt[ok]
        # reactions to message j: a post (j < m) or a reply (j = m + its index)
        author, mt, mroot = (
            np.concatenate([actor, who]),
            np.concatenate([t, rt]),
            np.concatenate([np.arange(m), root]),
        )
        n_react = np.concatenate(
            [rng.poisson(reacts[0] * np.sqrt(boost)), rng.poisson(reacts[1], len(root))]
        )
        msg = np.repeat(np.arange(len(author)), n_react)
        r_who = self._pick(ptr, members, group[mroot[msg]], author[msg])
        r_t = mt[msg] + 20 * _SECOND + rng.exponential(60 * _MINUTE, len(msg)).astype(np.int64)
        ok = (r_who >= 0) & (r_t < self.o.end)
        ok[ok] = self._active(r_who[ok], r_t[ok]) & self._active(author[msg[ok]], r_t[ok])
        ok[ok] = ~self._forbidden(r_who[ok], author[msg[ok]])
        msg, r_who, r_t = msg[ok], r_who[ok], r_t[ok]
        n_r, n_x = len(root), len(msg)
        self._add(
            np.concatenate([actor, who, r_who]),
            np.concatenate([t, rt, r_t]),
            np.repeat([_K["post"], _K["reply"], _K["reaction"]], [m, n_r, n_x]),
            np.concatenate([channel, channel[root], channel[mroot[msg]]]),
            ckind,
            np.repeat([0, 1], [m, n_r + n_x]),
            np.concatenate([actor[root], author[msg]]),
            thread=np.concatenate([np.arange(m), root, mroot[msg]]),
            parent=np.concatenate([np.full(m, -1), root, msg]),
            is_q=np.concatenate([is_q, np.zeros(n_r + n_x, bool)]),
        )

    def _channels(self) -> None:
        o, n, rng = self.o, self.o.n, self.rng
        actor = self._counts(_RATES["team_post"])  # team channels
        unit = self._unit_for(actor)
        self._threads(actor, unit, _CK["private"], o.unit_ptr, o.unit_members, unit)
        actor = self._counts(_RATES["dept_post"], self.dept_members)  # department channels
        dept = o.dept[actor]
        self._threads(
            actor, self.ch_dept + dept, _CK["public"], self.dept_ptr, self.dept_members, dept
        )
        # communities of practice: influencers answer many questions and get many answers
        counts = rng.poisson(_RATES["cop_post"] * o.weeks * self.w[self.cop_members])
        actor, cop = np.repeat(self.cop_members, counts), np.repeat(self.cop_of, counts)
        boost = np.ones(n)
        boost[o.influencers] = 3.0
        self._threads(
            actor,
            self.ch_cop + cop,
            _CK["community"],
            self.cop_ptr,
            self.cop_m,
            cop,
            q=0.5,
            boost=boost,
            favoured=np.array(o.influencers),
        )
        # announcements: leaders post; anyone outside the silo may comment or react
        leaders = np.flatnonzero(o.leader)
        actor = np.repeat(
            leaders, rng.poisson(np.where(leaders == 0, 2, 1) * _RATES["announce"] * o.weeks)
        )
        crowd = np.flatnonzero(self.open & ~self.sil[:n])
        self._threads(
            actor,
            np.full(len(actor), self.ch["announcements"]),
            _CK["public"],
            np.array([0, len(crowd)]),
            crowd,
            np.zeros(len(actor), np.int64),
            q=0.0,
            replies=(0.0, 2 + 0.002 * n),
            reacts=(3 + 0.03 * n, 0.2),
        )

    def _broadcasts(self) -> None:
        """Weekly all-staff emails from the CEO; fortnightly ones from heads of big departments."""
        o, rng = self.o, self.rng
        senders, lists, audiences = [0] * o.weeks, [self.ch["all-staff"]] * o.weeks, []
        audiences += [np.arange(1, o.n)] * o.weeks
        for d in range(o.D):
            staff = np.flatnonzero(o.dept == d)
            head = staff[o.level[staff] == 2][0]
            if len(staff) >= 40:  # smaller departments use their channel instead
                k = rng.poisson(o.weeks / 2)
                senders += [head] * k
                lists += [self.ch_list + d] * k
                audiences += [staff[staff != head]] * k
        actor = np.array(senders)
        t = self._times(actor)
        ev = np.repeat(np.arange(len(actor)), [len(a) for a in audiences])
        tgt = np.concatenate(audiences)
        keep = self._active(tgt, t[ev])
        tlen = np.bincount(ev[keep], minlength=len(actor))
        big = tlen >= BROADCAST_MIN_TARGETS
        tflat = tgt[keep][np.repeat(big, tlen)]
        self._add(
            actor[big], t[big], _K["email"], np.array(lists)[big], _CK["list"], tlen[big], tflat
        )

    def _bot_and_externals(self) -> None:
        o, rng = self.o, self.rng
        eng = np.flatnonzero((o.dept == 0) & self.open & ~o.leader)
        n_posts = rng.poisson(o.weeks * (20 + 0.1 * len(eng)))  # deploy notices
        self._threads(
            np.full(n_posts, self.bot),
            np.full(n_posts, self.ch["eng-deploys"]),
            _CK["public"],
            np.array([0, len(eng)]),
            eng,
            np.zeros(n_posts, np.int64),
            q=0.0,
            replies=(0.0, 0.3),
            reacts=(0.5, 0.1),
        )
        who = rng.choice(eng, rng.poisson(o.weeks * (10 + 0.2 * len(eng))))  # and mentions
        actor = np.full(len(who), self.bot)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(len(who), np.int64), who)
        ok = tlen > 0
        self._add(
            actor[ok],
            t[ok],
            _K["mention"],
            o.primary[who[ok]],
            _CK["private"],
            tlen[ok],
            tflat,
            thread=np.arange(ok.sum()),
        )
        # external correspondents, each with 1-3 contacts in customer-facing departments
        facing = {"Sales", "Legal", "Finance", "Support", "Marketing", "Product"}
        facing_ids = [d for d, s in enumerate(o.specs) if s.name in facing and d != o.siloed]
        pool = np.flatnonzero(np.isin(o.dept, facing_ids) & self.open & ~o.leader)
        n_own = rng.integers(1, 4, len(self.ext))
        owner = rng.choice(pool, n_own.sum())
        ext = np.repeat(self.bot + 1 + np.arange(len(self.ext)), n_own)
        sent, received = (
            rng.poisson(1.0 * o.weeks, len(owner)),
            rng.poisson(0.8 * o.weeks, len(owner)),
        )
        actor = np.concatenate([np.repeat(owner, sent), np.repeat(ext, received)])
        tgt = np.concatenate([np.repeat(ext, sent), np.repeat(owner, received)])
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(len(actor), np.int64), tgt)
        ok = tlen > 0
        self._add(actor[ok], t[ok], _K["email"], self.ch["email"], _CK["dm"], tlen[ok], tflat)

    def build(self) -> pd.DataFrame:
        self._direct("dm", [0.9, 0.07, 0.03])
        self._direct("email", [0.5, 0.22, 0.13, 0.09, 0.06])
        self._direct("meeting", [0.3, 0.22, 0.16, 0.12, 0.09, 0.06, 0.05], k_min=2)
        self._direct("mention", [0.85, 0.15])
        self._channels()
        self._broadcasts()
        self._bot_and_externals()
        return self._assemble()

    def _assemble(self) -> pd.DataFrame:
        """Concatenate the blocks, sort by time, number the events and build the strings."""
        parts = {f: [getattr(x, f) for x in self.blocks] for f in _Block._fields}
        self.blocks = []  # from here on, each field is freed once it has been used
        sizes = [len(x) for x in parts["actor"]]
        n_ev, start, base = sum(sizes), self.o.start, np.cumsum([0, *sizes[:-1]])
        for f in ("thread", "parent"):  # block-local index -> row in the concatenation
            parts[f] = [np.where(x >= 0, x + b, -1) for x, b in zip(parts[f], base, strict=True)]

        # unique (second, row) keys sort fast, and identically whatever the sort algorithm
        key = np.concatenate([(t - start) // _SECOND for t in parts.pop("t")]) * n_ev
        key = np.sort(key + np.arange(n_ev))
        order, t = key % n_ev, start + key // n_ev * _SECOND
        del key

        def column(field: str, order: np.ndarray = order) -> np.ndarray:  # in time order
            return np.concatenate(parts.pop(field))[order]

        rank = np.empty(n_ev, dtype=np.int64)
        rank[order] = np.arange(n_ev)
        width = 4 * max(2, -(-len(str(n_ev)) // 4))
        strings = {"event_id": _id_strings(np.arange(n_ev), width)}
        for f in ("thread", "parent"):
            ref = column(f)
            strings[f] = _id_strings(np.where(ref >= 0, rank[np.maximum(ref, 0)], -1), width)
        del rank, ref
        actor, kind, channel = column("actor"), column("kind"), column("channel")
        ckind, is_q = column("ckind"), column("is_q")
        tlen = np.concatenate(parts.pop("tlen")).astype(np.int64)
        tptr, tflat = np.concatenate([[0], np.cumsum(tlen)]), np.concatenate(parts.pop("tflat"))
        emails, sep = pa.array(self.emails, pa.large_string()), pa.scalar(";", pa.large_string())
        targets, step = [], 2_000_000
        for s in range(0, n_ev, step):  # target lists are joined in chunks to bound memory
            rows = order[s : s + step]
            off = np.concatenate([[0], np.cumsum(tlen[rows])])
            flat = np.repeat(tptr[rows] - off[:-1], tlen[rows]) + np.arange(off[-1])
            lists = pa.ListArray.from_arrays(pa.array(off, pa.int32()), emails.take(tflat[flat]))
            targets.append(pc.binary_join(lists, sep))
        del tlen, tptr, tflat, order

        def categorical(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), values)

        table = pa.table(
            {
                "event_id": strings.pop("event_id"),
                "actor": categorical(actor, self.emails),
                "targets": pa.chunked_array(targets, pa.large_string()),
                "timestamp": pa.array(t).cast(pa.timestamp("ns", tz="UTC")),
                "kind": categorical(kind, list(KINDS)),
                "channel": categorical(channel, self.channels),
                "channel_kind": categorical(ckind, list(CHANNEL_KINDS)),
                "thread": strings.pop("thread"),
                "parent": strings.pop("parent"),
                "is_bot": pa.array(actor == self.bot),
                "is_question": pa.array(is_q),
            }
        )
        del targets, actor, kind, channel, ckind, is_q, t
        return table.to_pandas(self_destruct=True)
