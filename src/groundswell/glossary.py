"""The terms the report and the dashboard use, each in one or two plain sentences, with where
the idea comes from: the glossary both show, so that no page sends a reader to a file."""

from __future__ import annotations

#: what distinguishes each role list from the others, in one line (groundswell.analysis.roles;
#: the report and the dashboard show it beside each list)
ROLE_LINES: dict[str, str] = {
    "hub": "the most ties: plain size, the only list that is about size",
    "broker": "their contacts do not know each other: less constrained than people with as "
    "many ties",
    "boundary_spanner": "the largest share of their ties crosses to other departments, "
    "with ties at home too",
    "influencer": "sought out by people who are themselves sought out, more than their "
    "number of ties explains",
    "activist": "start more conversations than people with as many ties",
    "advocate": "respond to others more than people with as many ties",
    "maverick": "their ties go to departments their own department seldom deals with",
    "network_positive_deviant": "far more network reach than peers of the same department "
    "and level (reach, not results: positive deviants by results are under Outcomes)",
    "peripheral": "one or two ties only",
    "isolated": "no tie in the window",
}

#: (term, what it means, reference), in the order a reader meets them
TERMS: tuple[tuple[str, str, str], ...] = (
    ("Tie", "A working relationship: at least the minimum number of interactions (messages, "
     "replies, meetings) from one person to another in the period.", ""),
    ("PageRank (influence)", "How much a person is sought out by people who are themselves "
     "sought out. High PageRank means reach that spreads.", "Brin and Page (1998)"),
    ("Betweenness", "How often a person lies on the shortest paths between others: brokers, "
     "or bottlenecks.", "Freeman (1977); Brandes (2001)"),
    ("E-I index", "For a group: ties leaving it minus ties staying inside, over all its ties. "
     "−1 when every tie stays inside, +1 when every tie leaves.",
     "Krackhardt and Stern (1988)"),
    ("Silo", "A department whose E-I index is in the organisation's most inward quarter and "
     "that keeps more of its ties inside than the organisation's average tie.",
     "Krackhardt and Stern (1988)"),
    ("Hidden influencer", "Someone in the top tenth by PageRank, at a junior level for their "
     "department and with no direct reports.", "Krackhardt and Hanson (1993)"),
    ("Bottleneck manager", "A manager through whom nearly all of their team's contact with "
     "the rest of the organisation passes, while most of the team has none of its own.",
     "Cross and Parker (2004)"),
    ("Key person", "Someone whose departure would cut other people off from the network "
     "(an articulation point).", "Hopcroft and Tarjan (1973)"),
    ("Broker", "Among the 5% least constrained for their number of ties (Burt's constraint "
     "net of size): their contacts do not know each other.", "Burt (1992, 2004)"),
    ("Hub", "Among the 5% with the most ties: the one role that is about size.",
     "Cross and Parker (2004)"),
    ("Boundary spanner", "Among the 5% with the largest share of ties crossing to other "
     "departments, keeping at least half at home.", "Tushman (1977); Cross and Parker (2004)"),
    ("Influencer", "Among the 5% most sought out by people who are themselves sought out, "
     "beyond what their own number of ties explains.", "Bonacich (1987)"),
    ("Maverick", "Most ties outside their department, among the 5% whose ties go where their "
     "own department seldom goes.", "Herrero (2008)"),
    ("Jaccard overlap", "The share of people two lists have in common: 1 when they are the "
     "same people, 0 when none are shared.", "Jaccard (1912)"),
    ("Community", "A group the network forms by itself: people with more ties among "
     "themselves than to others, found by the Leiden algorithm.", "Traag et al. (2019)"),
    ("Modularity", "How clearly the network falls into communities (0: no more than chance; "
     "above 0.3: clear groups).", "Newman (2006)"),
    ("NMI and ARI", "How far the communities follow the departments: 1 when exactly, 0 when "
     "not at all.", "Danon et al. (2005); Hubert and Arabie (1985)"),
    ("Value stages", "Connect, share, solve, innovate, lead change: what a network does for "
     "its organisation; a unit sits on the highest stage it passes with every earlier one "
     "passed. Each stage's line is drawn from the organisation's own people (by default the "
     "median of those who do it at all; the lower quartile for connect), or from a stated "
     "benchmark profile.", "Terry (2017)"),
    ("Community kind", "What a channel or community does: of interest (people gather and "
     "connect around a topic), of practice (they share and solve: questions answered across "
     "teams), of purpose (something they produced is on record: a project channel, a "
     "behaviour they started that others took up, outcomes credited to it). A formal unit's "
     "own room is a team room, not a community.",
     "Wenger (1998); Wenger, McDermott and Snyder (2002)"),
    ("Traction index", "How far an initiative travels in a week or month: the groups and "
     "influencers it reaches times the quality of the interaction around it (posts answered, "
     "ties returned, talk across departments). A department stalls when its people taking "
     "part fall below half their peak.",
     "'The singularity of organisation is influence' (2014); Krackhardt and Stern (1988)"),
    ("Network positive deviant", "Far more network reach (PageRank) than peers of the same "
     "department and level: reach, not results.", "Pascale, Sternin and Sternin (2010)"),
    ("Positive deviant (by results)", "Someone whose measured outcome is at least two robust "
     "standard deviations better than the median of peers of the same department and level.",
     "Pascale, Sternin and Sternin (2010)"),
    ("Spearman's rho", "How far two figures rise together by rank, from −1 to +1, shown with "
     "its 95% interval (Fisher z, Bonett–Wright standard error).",
     "Spearman (1904); Bonett and Wright (2000)"),
    ("q (false-discovery)", "A p-value adjusted for the many comparisons made at once; a link "
     "is read as holding when q is below 0.05 and its interval excludes zero.",
     "Benjamini and Hochberg (1995)"),
    ("Pseudonym", "The code (p_ and ten characters) standing for a person; only the holder "
     "of the workspace key can tell who it is.", ""),
    ("Suppressed", "A figure not shown because its group has fewer people than the minimum "
     "group size, or would give such a group away.", ""),
)  # fmt: skip
