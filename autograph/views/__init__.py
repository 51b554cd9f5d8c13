"""Ways of looking at a converted function: display (graphs, sources), explain(), highlighting.
"""
