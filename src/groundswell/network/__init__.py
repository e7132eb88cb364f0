"""From interactions to graphs: windows, layers, tie rules, and the Graph type."""

from groundswell.network.graph import Graph
from groundswell.network.ties import TieRules, build_ties
from groundswell.network.window import Window

__all__ = ["Graph", "TieRules", "Window", "build_ties"]
