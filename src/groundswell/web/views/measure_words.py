"""What each measure of a person means, in words a person page can show beside the number:
(name, what it says about the person). The glossary (groundswell.glossary) has the sources."""

from __future__ import annotations

MEASURE_WORDS: dict[str, tuple[str, str]] = {
    "in_degree": ("people who come to them", "how many people have a tie to this person"),
    "out_degree": ("people they go to", "how many people this person has a tie to"),
    "in_strength": ("interactions received", "the weight of the ties coming to this person"),
    "out_strength": ("interactions sent", "the weight of the ties this person sends"),
    "reciprocity": ("ties returned", "the share of their ties that go both ways"),
    "weighted_reciprocity": ("balance of exchanges", "how evenly what they send and receive "
                             "matches, tie by tie"),
    "pagerank": ("influence (PageRank)", "how much they are sought out by people who are "
                 "themselves sought out"),
    "betweenness": ("in between (betweenness)", "how often they lie on the shortest path "
                    "between two others: a broker, or a bottleneck"),
    "harmonic_closeness": ("closeness", "how few steps they are from everyone else"),
    "eigenvector": ("connected to the connected", "how well tied they are to people who are "
                    "themselves well tied"),
    "k_core": ("depth in the core", "the densest core of the network they belong to (higher "
               "is deeper inside)"),
    "clustering": ("close-knit circle", "the share of their contacts who are also in touch "
                   "with each other"),
    "directed_clustering": ("close-knit circle (directed)", "the same, counting the direction "
                            "of the ties"),
    "constraint": ("constraint", "how much their contacts know each other (high: one "
                   "circle; low: bridges between circles)"),
    "effective_size": ("separate circles reached", "how many of their contacts are not "
                       "redundant with each other"),
    "two_step_reach": ("reach in two steps", "how many people they reach through a contact"),
    "two_step_share": ("share reached in two steps", "the share of the organisation they "
                       "reach through a contact"),
    "boundary_share": ("ties beyond their department", "the share of their ties that leave "
                       "their department"),
    "departments_reached": ("other departments reached", "how many other departments they "
                            "have a tie with"),
    "posts": ("posts", "messages they started"),
    "given": ("contributions given", "replies, reactions and mentions they gave others"),
    "received": ("contributions received", "replies, reactions and mentions they received"),
    "received_share": ("share received", "what they received as a share of all they took "
                       "part in"),
    "key_cut_off": ("people cut off without them", "how many people would lose every path "
                    "to the rest if they left"),
    "key_lcc_drop": ("network lost without them", "how many people the largest connected "
                     "part would lose if they left"),
    "atypical_share": ("ties where their department seldom goes", "the share of their ties "
                       "to departments their own department rarely deals with"),
    "seekers_in_degree": ("how sought-out their seekers are", "how many people, on average, "
                          "turn to the people who turn to them"),
    "hub_score": ("hub score", "their number of ties (the hub list ranks by it)"),
    "broker_score": ("broker score", "how much less constrained they are than people with "
                     "as many ties"),
    "boundary_spanner_score": ("boundary spanner score", "the share of their ties crossing "
                               "to other departments, when they keep half at home"),
    "influencer_score": ("influencer score", "how much more sought-out their seekers are "
                         "than their own number of ties explains"),
    "activist_score": ("activist score", "how many more conversations they start than "
                       "people with as many ties"),
    "advocate_score": ("advocate score", "how much more they respond to others than people "
                       "with as many ties"),
    "maverick_score": ("maverick score", "the share of their ties going where their "
                       "department seldom goes, when most go outside it"),
}  # fmt: skip
