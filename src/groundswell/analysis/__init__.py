"""Pure analysis functions: a Graph (and people) in, plain tables out. One concept a module."""
